// Bad input against every hub endpoint, on the real hub over real TLS: generated malformed, oversized
// and wrong-type bodies, path parameters, queries and WebSocket frames. The hub answers each with a 4xx
// and a stable error code (a well-formed batch of bad vehicle messages gets each message refused with a
// code, as the contract says, so nothing blocks the queue behind it), never a 5xx, and keeps serving.
// Requests without credentials, with another vehicle's certificate or from a browser session that may
// not act read nothing and change nothing of anyone else's.
import { sql } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DELIVER_BATCH_MAX_MESSAGES } from '../../protocol/hub';
import { addOperator } from '../../hub/server/data-dir';
import { SESSION_COOKIE } from '../../hub/server/operator-auth';
import type { KyselyHubStore } from '../../hub/store/store';
import {
  adminCredentials, approverCredentials, eventMessage, httpsCall, operatorClient, startTestHub, submitMessage, vehicleClient,
  type HttpAnswer, type TestHub, type VehicleTls,
} from '../support/hub';

let hub: TestHub;
let url: string;
let ca: string;
let vehicleA: VehicleTls;
let vehicleB: VehicleTls;
let admin: { cookie: string; csrf: string };
let approver: { cookie: string; csrf: string };
let consultant: { cookie: string; csrf: string };
const seeded = { requestIds: [] as string[], jobId: '', latestSeq: 0 };

const SEED = 4_2026;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function signIn(operatorId: string, password: string) {
  const client = operatorClient(url, ca);
  const res = await client.signIn(operatorId, password);
  expect(res.status).toBe(200);
  return { cookie: client.cookie, csrf: res.body.csrfToken as string };
}

beforeAll(async () => {
  hub = await startTestHub({ turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' } });
  url = hub.hub.url;
  ca = hub.hub.caCert;
  vehicleA = await hub.enroll('vehicle-a');
  vehicleB = await hub.enroll('vehicle-b');
  await addOperator(hub.hub.store, { id: 'consult1', displayName: '相談 担当', role: 'consultant', password: 'consultant-password-1', actor: 'test' });
  admin = await signIn(adminCredentials.operatorId, adminCredentials.password);
  approver = await signIn(approverCredentials.operatorId, approverCredentials.password);
  consultant = await signIn('consult1', 'consultant-password-1');

  // Vehicle A's own state: three relayed requests, one approved (decision and print job in its inbox), one rejected.
  const a = vehicleClient(url, vehicleA);
  const messages = [submitMessage(), submitMessage(), submitMessage()];
  expect((await a.deliver(messages)).body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied', 'applied']);
  seeded.requestIds = messages.map((m) => m.requestId);
  const headers = { cookie: approver.cookie, 'x-csrf-token': approver.csrf, origin: new URL(url).origin };
  const approved = await httpsCall(`${url}/api/v1/console/requests/${seeded.requestIds[0]}/approve`, { body: {}, headers, tls: { ca } });
  expect(approved.status).toBe(200);
  seeded.jobId = approved.body.jobId;
  const rejected = await httpsCall(`${url}/api/v1/console/requests/${seeded.requestIds[1]}/reject`, { body: { reason: '書類不備' }, headers, tls: { ca } });
  expect(rejected.status).toBe(200);
  seeded.latestSeq = (await a.inbox(0)).body.latestSeq;
  expect(seeded.latestSeq).toBe(3);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
});

/** Everything the hub keeps, as rows, without the logs that record refusals (audit, dead letters). */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const db = (hub.hub.store as KyselyHubStore).db;
  const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    if (t === 'audit_log' || t === 'dead_letters') continue;
    // A session's last-seen time moves when its cookie is presented, even for a refused call.
    out[t] = t === 'sessions'
      ? (await sql.raw('SELECT token_hash, operator_id, csrf_token, created_at FROM sessions ORDER BY 1').execute(db)).rows
      : (await sql.raw(`SELECT * FROM "${t}" ORDER BY 1`).execute(db)).rows;
  }
  return out;
}

async function logsSince(auditSeq: number, deadLetterId: number) {
  const db = (hub.hub.store as KyselyHubStore).db;
  const audit = await db.selectFrom('audit_log').select(['actor', 'action', 'request_id as requestId']).where('seq', '>', auditSeq).orderBy('seq').execute();
  const deadLetters = await db.selectFrom('dead_letters').select(['vehicle_id as vehicleId', 'code']).where('id', '>', deadLetterId).orderBy('id').execute();
  const heads = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('audit_log').select((e) => e.fn.max('seq').as('m')).as('auditSeq'),
      eb.selectFrom('dead_letters').select((e) => e.fn.max('id').as('m')).as('deadLetterId'),
    ])
    .executeTakeFirstOrThrow();
  return { audit, deadLetters, auditSeq: Number(heads.auditSeq ?? 0), deadLetterId: Number(heads.deadLetterId ?? 0) };
}

/** Runs calls a few at a time (each its own TLS connection). */
async function runAll<T>(items: T[], fn: (item: T) => Promise<void>, parallel = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const problems: string[] = [];
function expectRefused(what: string, res: HttpAnswer): void {
  const code = res.body && typeof res.body === 'object' ? (res.body as { code?: unknown }).code : undefined;
  if (res.status < 400 || res.status >= 500 || typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) {
    problems.push(`${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
}
/** A batch the hub could read: 200, and every message in it refused with a code. */
function expectEachRejected(what: string, res: HttpAnswer, count: number): void {
  if (res.status !== 200) return expectRefused(what, res);
  const results = (res.body as { results?: { status: string; code?: string }[] }).results ?? [];
  if (results.length !== count || !results.every((r) => r.status === 'rejected' && typeof r.code === 'string' && /^[A-Z_]+$/.test(r.code))) {
    problems.push(`${what} → 200 ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

// ---- generators ----

/** Values of the wrong type for any field of the contract (no field accepts all of these). */
const wrongValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.constant('x'.repeat(5_000)),
  fc.constant({ __proto__: { polluted: true } }),
);
const key = () => `fz-${Math.random().toString(36).slice(2, 12)}`;

/** A valid vehicle message with one field made wrong (wrong type, oversized) or removed. */
const brokenMessage = fc
  .tuple(fc.constantFrom('submit', 'event', 'reprint'), fc.nat(), wrongValue, fc.boolean())
  .map(([kind, pick, value, remove]) => {
    const base: Record<string, unknown> =
      kind === 'submit'
        ? { ...submitMessage({ key: key() }) }
        : kind === 'event'
          ? { ...eventMessage(seeded.requestIds[2]!, 'CANCELLED', key()) }
          : { type: 'print.reprint_request', idempotencyKey: key(), reprintRequestId: 'rr-x', jobId: seeded.jobId, requestId: seeded.requestIds[0], reason: 'かすれ', staffId: 'S0001', at: '2026-11-24T10:00:00+09:00' };
    // `identity` may be null and `staffId`/`reason` of an event may be absent: those would still be valid.
    const fields = Object.keys(base).filter((f) => !['identity', 'staffId', 'reason'].includes(f) || kind === 'reprint');
    const field = fields[pick % fields.length]!;
    if (remove && field !== 'reason' && field !== 'staffId') delete base[field];
    // A whole number would be a valid fee: fees get text instead.
    else base[field] = field === 'type' && typeof value === 'string' ? `${value}.unknown` : field === 'feeYen' && typeof value === 'number' ? String(value) : value;
    if (field === 'type' && base.type === undefined) delete base.type;
    return base;
  });

const jsonBody = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 5 }),
  fc.record({ messages: fc.oneof(wrongValue, fc.constant([]), fc.array(fc.anything({ maxDepth: 2 }), { minLength: DELIVER_BATCH_MAX_MESSAGES + 1, maxLength: DELIVER_BATCH_MAX_MESSAGES + 20 })) }),
);
const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{"messages":[', '{"upTo": 1,}', '[[[[[[[[[[', '{"a":"\\ud800"', '\u0000\u0001', 'null null'),
);
const badId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }).filter((s) => !/^[A-Za-z0-9_-]{8,64}$/.test(s)),
  fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), // well-formed but unknown
  fc.constant('a'.repeat(5_000)),
  fc.constant('../../admin'),
);
const notACount = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => {
    const n = Number(s);
    return !Number.isInteger(n) || n < 0;
  }),
  fc.integer({ max: -1 }).map(String),
  fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }).map(String),
);

const sample = <T>(arb: fc.Arbitrary<T>, n: number, offset = 0) => fc.sample(arb, { seed: SEED + offset, numRuns: n });

describe('bad input at every hub endpoint', () => {
  it('answers over 1,000 generated malformed, oversized and wrong-type inputs with a 4xx and an error code, never a 5xx, and keeps serving', async () => {
    const a = { cert: vehicleA.cert, key: vehicleA.key, ca };
    const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: new URL(url).origin };
    let sent = 0;
    const call = async (what: string, path: string, init: Parameters<typeof httpsCall>[1], check: (res: HttpAnswer) => void = (res) => expectRefused(what, res)) => {
      sent++;
      check(await httpsCall(`${url}${path}`, init));
    };
    const jobs: (() => Promise<void>)[] = [];

    // Vehicle API, as vehicle A (mutual TLS): bodies that are not a batch, batches of broken messages, bad queries.
    for (const body of sample(jsonBody, 150, 1)) jobs.push(() => call('messages json', '/api/v1/vehicle/messages', { body, tls: a }, (res) => (res.status === 200 ? expectEachRejected('messages json', res, (body as { messages: unknown[] }).messages.length) : expectRefused('messages json', res))));
    for (const batch of sample(fc.array(brokenMessage, { minLength: 1, maxLength: 10 }), 200, 2)) {
      jobs.push(() => call('messages broken', '/api/v1/vehicle/messages', { body: { messages: batch }, tls: a }, (res) => expectEachRejected('messages broken', res, batch.length)));
    }
    for (const raw of sample(rawBody, 40, 3)) jobs.push(() => call('messages raw', '/api/v1/vehicle/messages', { rawBody: raw, tls: a }));
    for (const after of sample(notACount, 40, 4)) jobs.push(() => call('inbox after', `/api/v1/vehicle/inbox?after=${encodeURIComponent(after)}`, { tls: a }));
    for (const limit of sample(fc.oneof(notACount, fc.integer({ min: 101 }).map(String), fc.constant('0')), 30, 5)) {
      jobs.push(() => call('inbox limit', `/api/v1/vehicle/inbox?after=0&limit=${encodeURIComponent(limit)}`, { tls: a }));
    }
    const badAck = fc.oneof(jsonBody, fc.record({ upTo: fc.oneof(wrongValue.filter((v) => !(Number.isInteger(v) && (v as number) >= 0)), fc.integer({ max: -1 }), fc.integer({ min: seeded.latestSeq + 1 })) }));
    for (const body of sample(badAck, 80, 6)) jobs.push(() => call('ack', '/api/v1/vehicle/inbox/ack', { body, tls: a }));
    for (const raw of sample(rawBody, 20, 7)) jobs.push(() => call('ack raw', '/api/v1/vehicle/inbox/ack', { rawBody: raw, tls: a }));

    // Console API, as a signed-in certificate operator with the CSRF token, so that only the input is wrong.
    const asApprover = { cookie: approver.cookie, 'x-csrf-token': approver.csrf, origin: new URL(url).origin };
    const signInBody = fc.oneof(jsonBody, fc.record({ operatorId: fc.oneof(wrongValue, fc.string({ minLength: 33, maxLength: 40 }), fc.constant('')), password: fc.oneof(wrongValue, fc.string({ maxLength: 20 })) }), fc.record({ operatorId: fc.string({ minLength: 1, maxLength: 8 }).map((s) => `fz${s}`), password: fc.string({ minLength: 1, maxLength: 20 }) }));
    for (const body of sample(signInBody, 60, 8)) jobs.push(() => call('session', '/api/v1/console/session', { body, headers: { origin: new URL(url).origin }, tls: { ca } }));
    for (const id of sample(badId, 40, 9)) jobs.push(() => call('request detail', `/api/v1/console/requests/${encodeURIComponent(id)}`, { headers: asApprover, tls: { ca } }));
    for (const [id, body] of sample(fc.tuple(badId, jsonBody), 50, 10)) jobs.push(() => call('approve', `/api/v1/console/requests/${encodeURIComponent(id)}/approve`, { body, headers: asApprover, tls: { ca } }));
    const reason = fc.oneof(jsonBody, fc.record({ reason: fc.oneof(wrongValue, fc.constant('   '), fc.string({ minLength: 201, maxLength: 300 })) }));
    for (const [id, body] of sample(fc.tuple(fc.oneof(badId, fc.constantFrom(...seeded.requestIds)), reason), 60, 11)) {
      jobs.push(() => call('reject', `/api/v1/console/requests/${encodeURIComponent(id)}/reject`, { body, headers: asApprover, tls: { ca } }));
    }
    const question = fc.oneof(jsonBody, fc.record({ text: fc.oneof(wrongValue, fc.constant(''), fc.string({ minLength: 501, maxLength: 600 })) }));
    for (const [id, body] of sample(fc.tuple(fc.oneof(badId, fc.constantFrom(...seeded.requestIds)), question), 60, 12)) {
      jobs.push(() => call('question', `/api/v1/console/requests/${encodeURIComponent(id)}/questions`, { body, headers: asApprover, tls: { ca } }));
    }
    const reprintBody = fc.oneof(jsonBody, fc.record({ approve: wrongValue.filter((v) => typeof v !== 'boolean') }));
    for (const [vehicleId, id, body] of sample(fc.tuple(fc.oneof(badId, fc.constant('vehicle-a')), badId, reprintBody), 60, 13)) {
      jobs.push(() => call('reprint decision', `/api/v1/console/reprints/${encodeURIComponent(vehicleId)}/${encodeURIComponent(id)}/decision`, { body, headers: asApprover, tls: { ca } }));
    }
    for (const date of sample(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('2026-13-40', '2026-02-30', '24-11-2026', '')), 50, 14)) {
      jobs.push(() => call('day', `/api/v1/console/day?date=${encodeURIComponent(date)}`, { headers: asApprover, tls: { ca } }));
    }
    jobs.push(() => call('day without date', '/api/v1/console/day', { headers: asApprover, tls: { ca } }));
    const newOperator = fc.oneof(
      jsonBody,
      fc.tuple(fc.constantFrom('id', 'displayName', 'role', 'password'), wrongValue).map(([field, value]) => ({ id: 'fz-op', displayName: '試験', role: 'operator', password: 'long-enough-password', [field]: value })),
      fc.record({ id: fc.constant('fz-op'), displayName: fc.constant('試験'), role: fc.string({ maxLength: 10 }), password: fc.string({ maxLength: 11 }) }),
    );
    for (const body of sample(newOperator, 60, 15)) jobs.push(() => call('new operator', '/api/v1/admin/operators', { body, headers: asAdmin, tls: { ca } }));
    for (const raw of sample(rawBody, 30, 16)) jobs.push(() => call('console raw', '/api/v1/console/requests/aaaaaaaa/reject', { rawBody: raw, headers: asApprover, tls: { ca } }));

    // Video consultations: the vehicle's call API, and the consultant's desk with a valid session and CSRF token.
    const asConsultant = { cookie: consultant.cookie, 'x-csrf-token': consultant.csrf, origin: new URL(url).origin };
    const badCall = fc.oneof(
      jsonBody,
      fc.record({ department: fc.oneof(wrongValue, fc.string({ maxLength: 20 })), staffId: fc.constant('S0001') }),
      fc.record({ department: fc.constant('pension'), staffId: fc.oneof(wrongValue, fc.constant(''), fc.string({ minLength: 33, maxLength: 40 }), fc.constant('S 0001')) }),
    );
    for (const body of sample(badCall, 60, 19)) jobs.push(() => call('call', '/api/v1/vehicle/consultations', { body, tls: a }));
    for (const [id, body] of sample(fc.tuple(badId, fc.oneof(jsonBody, fc.record({ reason: wrongValue }))), 40, 20)) {
      jobs.push(() => call('call end', `/api/v1/vehicle/consultations/${encodeURIComponent(id)}/end`, { body, tls: a }));
      jobs.push(() => call('call abandon', `/api/v1/vehicle/consultations/${encodeURIComponent(id)}/abandon`, { body, tls: a }));
    }
    const badAvailability = fc.oneof(jsonBody, fc.record({ departments: fc.oneof(wrongValue, fc.array(fc.string({ maxLength: 15 }), { minLength: 1, maxLength: 3 }), fc.array(fc.constant('pension'), { minLength: 5, maxLength: 8 })) }));
    for (const body of sample(badAvailability, 50, 21)) jobs.push(() => call('availability', '/api/v1/console/consultations/availability', { method: 'PUT', body, headers: asConsultant, tls: { ca } }));
    for (const [id, body] of sample(fc.tuple(badId, jsonBody), 30, 22)) jobs.push(() => call('accept', `/api/v1/console/consultations/${encodeURIComponent(id)}/accept`, { body, headers: asConsultant, tls: { ca } }));
    const badNotes = fc.oneof(jsonBody, fc.record({ text: fc.oneof(wrongValue.filter((v) => typeof v !== 'string'), fc.string({ minLength: 4_001, maxLength: 4_100 })) }));
    for (const [id, body] of sample(fc.tuple(fc.oneof(badId, fc.constant('call-unknown-1')), badNotes), 40, 23)) {
      jobs.push(() => call('notes', `/api/v1/console/consultations/${encodeURIComponent(id)}/notes`, { method: 'PUT', body, headers: asConsultant, tls: { ca } }));
    }

    // Wrong content types, oversized bodies, wrong methods, unknown paths.
    const endpoints = ['/api/v1/vehicle/messages', '/api/v1/vehicle/inbox/ack', '/api/v1/console/session', '/api/v1/admin/operators', `/api/v1/console/requests/${seeded.requestIds[2]}/questions`];
    for (const path of endpoints) {
      const tlsFor = path.startsWith('/api/v1/vehicle') ? a : { ca };
      const headers = path.startsWith('/api/v1/vehicle') ? {} : asAdmin;
      jobs.push(() => call('text body', path, { rawBody: 'messages=1', headers: { ...headers, 'content-type': 'text/plain' }, tls: tlsFor }));
      jobs.push(() => call('form body', path, { rawBody: 'a=1', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, tls: tlsFor }));
      jobs.push(() => call('oversized', path, { rawBody: JSON.stringify({ messages: ['x'.repeat(2_200_000)] }), headers, tls: tlsFor }));
      jobs.push(() => call('wrong method', path, { method: 'PUT', body: {}, headers, tls: tlsFor }));
    }
    for (const path of sample(fc.webPath(), 20, 17)) jobs.push(() => call('unknown path', `/api/v1/${path.replace(/^\//, '')}x`, { headers: asAdmin, tls: a }));

    await runAll(jobs, (job) => job());

    // The vehicles' WebSocket: bad `after`, junk and oversized frames. Nothing answers them; the hub stays up.
    const frames = sample(fc.oneof(fc.string({ maxLength: 100 }), fc.anything({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'), fc.constant('y'.repeat(5_000))), 120, 18);
    for (const after of ['-1', 'abc', '1e999', '99999999999999999999']) {
      const ws = new WebSocket(`${url.replace('https', 'wss')}/api/v1/vehicle/ws?after=${after}`, a);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.on('error', () => undefined);
      for (const f of frames.slice(0, 30)) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(f);
        sent++;
      }
      ws.close();
      await Promise.race([closed, sleep(2_000)]);
    }

    // The call socket: junk, wrong shapes, oversized frames are each answered with INVALID_FRAME; the socket stays open.
    const callWs = new WebSocket(`${url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, a);
    const callFrames: { type: string; code?: string }[] = [];
    callWs.on('message', (d) => callFrames.push(JSON.parse(String(d))));
    await new Promise<void>((resolve, reject) => {
      callWs.once('open', () => resolve());
      callWs.once('error', reject);
    });
    const junk = sample(fc.oneof(fc.string({ maxLength: 100 }), fc.anything({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'), fc.constant(JSON.stringify({ type: 'signal', callId: 'x', data: { type: 'offer', sdp: 'y'.repeat(20_000) } }))), 60, 24);
    for (const f of junk) {
      callWs.send(f);
      sent++;
    }
    const deadline = Date.now() + 5_000;
    while (callFrames.length < junk.length && Date.now() < deadline) await sleep(50);
    expect(callFrames.map((f) => f.code)).toEqual(junk.map(() => 'INVALID_FRAME'));
    expect(callWs.readyState).toBe(WebSocket.OPEN);
    callWs.close();

    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1_000);
    // Still serving, and vehicle A's view is what it was.
    const inbox = await vehicleClient(url, vehicleA).inbox(0);
    expect(inbox.status).toBe(200);
    expect(inbox.body.latestSeq).toBe(seeded.latestSeq);
    const queue = await httpsCall(`${url}/api/v1/console/queue`, { headers: asApprover, tls: { ca } });
    expect(queue.status).toBe(200);
  }, 120_000);

  it('lets no unauthenticated caller, other vehicle or unprivileged operator read or change anything', async () => {
    const before = await snapshot();
    const marks = await logsSince(0, 0);
    const origin = new URL(url).origin;
    const noCert = { ca };
    const b = { cert: vehicleB.cert, key: vehicleB.key, ca };
    const theirs = seeded.requestIds;
    const answers: { what: string; res: HttpAnswer }[] = [];
    let sent = 0;
    const call = async (what: string, path: string, init: Parameters<typeof httpsCall>[1]) => {
      sent++;
      answers.push({ what, res: await httpsCall(`${url}${path}`, init) });
    };
    const jobs: (() => Promise<void>)[] = [];

    // Valid messages about vehicle A's requests, sent without a certificate and by vehicle B.
    const aboutTheirs = fc.oneof(
      fc.tuple(fc.constantFrom(...theirs), fc.constantFrom('PRINTED', 'CHECK_OK', 'CANCELLED', 'HANDED_OVER')).map(([id, ev]) => eventMessage(id, ev, key())),
      fc.constantFrom(...theirs).map((id) => submitMessage({ requestId: id, key: key() })),
      fc.constant({ type: 'print.reprint_request', idempotencyKey: key(), reprintRequestId: `rr-${key()}`, jobId: seeded.jobId, requestId: theirs[0], reason: 'かすれ', staffId: 'S0001', at: '2026-11-24T10:00:00+09:00' }),
    );
    for (const batch of sample(fc.array(aboutTheirs, { minLength: 1, maxLength: 5 }), 60, 21)) {
      jobs.push(() => call('unauthenticated deliver', '/api/v1/vehicle/messages', { body: { messages: batch }, tls: noCert }));
      jobs.push(async () => {
        sent++;
        const res = await httpsCall(`${url}/api/v1/vehicle/messages`, { body: { messages: batch }, tls: b });
        // The other vehicle's batch is read, and each message refused: nothing of A's moves.
        expectEachRejected('other vehicle deliver', res, batch.length);
      });
    }
    for (const after of [0, 1, 2]) {
      jobs.push(() => call('unauthenticated inbox', `/api/v1/vehicle/inbox?after=${after}`, { tls: noCert }));
      jobs.push(async () => {
        sent++;
        const res = await httpsCall(`${url}/api/v1/vehicle/inbox?after=${after}`, { tls: b });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ messages: [], latestSeq: 0 });
      });
    }
    for (const upTo of [0, 1, 2, 3]) {
      jobs.push(() => call('unauthenticated ack', '/api/v1/vehicle/inbox/ack', { body: { upTo }, tls: noCert }));
      if (upTo > 0) jobs.push(() => call('other vehicle ack', '/api/v1/vehicle/inbox/ack', { body: { upTo }, tls: b }));
    }

    // The console without a session, with a forged cookie, a vehicle certificate instead, no CSRF
    // token, another site's origin, or a role that may not do it.
    const consoleCalls: [string, string, unknown][] = [
      ['GET', '/api/v1/console/queue', undefined],
      ['GET', `/api/v1/console/requests/${theirs[2]}`, undefined],
      ['POST', `/api/v1/console/requests/${theirs[2]}/approve`, {}],
      ['POST', `/api/v1/console/requests/${theirs[2]}/reject`, { reason: '理由' }],
      ['POST', `/api/v1/console/requests/${theirs[2]}/questions`, { text: '質問' }],
      ['POST', '/api/v1/console/reprints/vehicle-a/rr-00000001/decision', { approve: true }],
      ['GET', '/api/v1/console/day?date=2026-11-24', undefined],
      ['GET', '/api/v1/admin/dead-letters', undefined],
      ['GET', '/api/v1/admin/vehicles', undefined],
      ['POST', '/api/v1/admin/operators', { id: 'intruder', displayName: '侵入', role: 'admin', password: 'long-enough-password' }],
      ['DELETE', '/api/v1/console/session', undefined],
    ];
    const forged = sample(fc.string({ minLength: 1, maxLength: 60 }).map((s) => `${SESSION_COOKIE}=${encodeURIComponent(s)}`), 15, 22);
    for (const [method, path, body] of consoleCalls) {
      const mutating = method !== 'GET';
      jobs.push(() => call(`no session ${path}`, path, { method, body, headers: { origin }, tls: noCert }));
      jobs.push(() => call(`vehicle cert ${path}`, path, { method, body, headers: { origin }, tls: { ...b } }));
      for (const cookie of forged) jobs.push(() => call(`forged cookie ${path}`, path, { method, body, headers: { origin, cookie, 'x-csrf-token': admin.csrf }, tls: noCert }));
      if (mutating) {
        jobs.push(() => call(`no csrf ${path}`, path, { method, body, headers: { origin, cookie: admin.cookie }, tls: noCert }));
        jobs.push(() => call(`wrong csrf ${path}`, path, { method, body, headers: { origin, cookie: admin.cookie, 'x-csrf-token': consultant.csrf }, tls: noCert }));
        jobs.push(() => call(`other site ${path}`, path, { method, body, headers: { origin: 'https://evil.example', cookie: admin.cookie, 'x-csrf-token': admin.csrf }, tls: noCert }));
      }
      if (path !== '/api/v1/console/session') {
        jobs.push(() => call(`consultant ${path}`, path, { method, body, headers: { origin, cookie: consultant.cookie, 'x-csrf-token': consultant.csrf }, tls: noCert }));
      }
    }
    // The consultant's desk: the same refusals, and an admin (not a consultant) may not work it either.
    const deskCalls: [string, string, unknown][] = [
      ['GET', '/api/v1/console/consultations', undefined],
      ['GET', '/api/v1/console/turn-credentials', undefined],
      ['PUT', '/api/v1/console/consultations/availability', { departments: ['pension'] }],
      ['POST', '/api/v1/console/consultations/call-00000001/accept', {}],
      ['POST', '/api/v1/console/consultations/call-00000001/end', {}],
      ['PUT', '/api/v1/console/consultations/call-00000001/notes', { text: 'メモ' }],
    ];
    for (const [method, path, body] of deskCalls) {
      jobs.push(() => call(`no session ${path}`, path, { method, body, headers: { origin }, tls: noCert }));
      jobs.push(() => call(`vehicle cert ${path}`, path, { method, body, headers: { origin }, tls: { ...b } }));
      for (const cookie of forged.slice(0, 5)) jobs.push(() => call(`forged cookie ${path}`, path, { method, body, headers: { origin, cookie, 'x-csrf-token': consultant.csrf }, tls: noCert }));
      jobs.push(() => call(`admin ${path}`, path, { method, body, headers: { origin, cookie: admin.cookie, 'x-csrf-token': admin.csrf }, tls: noCert }));
      if (method !== 'GET') {
        jobs.push(() => call(`no csrf ${path}`, path, { method, body, headers: { origin, cookie: consultant.cookie }, tls: noCert }));
        jobs.push(() => call(`other site ${path}`, path, { method, body, headers: { origin: 'https://evil.example', cookie: consultant.cookie, 'x-csrf-token': consultant.csrf }, tls: noCert }));
      }
    }
    // The vehicle's call API without a certificate.
    for (const [method, path, body] of [
      ['GET', '/api/v1/vehicle/consultations/availability', undefined],
      ['GET', '/api/v1/vehicle/turn-credentials', undefined],
      ['POST', '/api/v1/vehicle/consultations', { department: 'pension', staffId: 'S0001' }],
      ['POST', '/api/v1/vehicle/consultations/call-00000001/end', {}],
    ] as const) jobs.push(() => call(`unauthenticated ${path}`, path, { method, body, tls: noCert }));
    await runAll(jobs, (job) => job());

    // WebSockets: a vehicle socket without a certificate, a console socket without a session or from another site.
    const refusedUpgrade = (target: string, opts: ConstructorParameters<typeof WebSocket>[2]) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const ws = new WebSocket(target, opts);
        ws.once('open', () => {
          ws.close();
          reject(new Error(`${target} opened`));
        });
        ws.once('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text || 'null'), bytes: Buffer.from(text) }));
        });
        ws.once('error', () => undefined);
      });
    const wss = url.replace('https', 'wss');
    answers.push({ what: 'vehicle ws without certificate', res: await refusedUpgrade(`${wss}/api/v1/vehicle/ws?after=0`, { ca }) });
    answers.push({ what: 'console ws without session', res: await refusedUpgrade(`${wss}/api/v1/console/ws`, { ca, origin }) });
    answers.push({ what: 'console ws from another site', res: await refusedUpgrade(`${wss}/api/v1/console/ws`, { ca, origin: 'https://evil.example', headers: { cookie: admin.cookie } }) });
    answers.push({ what: 'vehicle call ws without certificate', res: await refusedUpgrade(`${wss}/api/v1/vehicle/consultations/ws`, { ca }) });
    answers.push({ what: 'desk ws without session', res: await refusedUpgrade(`${wss}/api/v1/console/consultations/ws`, { ca, origin }) });
    answers.push({ what: 'desk ws from another site', res: await refusedUpgrade(`${wss}/api/v1/console/consultations/ws`, { ca, origin: 'https://evil.example', headers: { cookie: consultant.cookie } }) });
    answers.push({ what: 'desk ws as admin', res: await refusedUpgrade(`${wss}/api/v1/console/consultations/ws`, { ca, origin, headers: { cookie: admin.cookie } }) });
    answers.push({ what: 'console ws as consultant', res: await refusedUpgrade(`${wss}/api/v1/console/ws`, { ca, origin, headers: { cookie: consultant.cookie } }) });
    sent += 4;

    for (const { what, res } of answers) {
      expectRefused(what, res);
      // A refusal names nothing of vehicle A's: no request id, no person.
      const text = JSON.stringify(res.body);
      for (const id of theirs) if (text.includes(id)) problems.push(`${what} revealed ${id}`);
      if (text.includes('髙子')) problems.push(`${what} revealed a name`);
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(300);

    // Nothing changed; the logs hold only the refusals (and the other vehicle's own set-aside messages).
    expect(await snapshot()).toEqual(before);
    const logs = await logsSince(marks.auditSeq, marks.deadLetterId);
    expect(new Set(logs.audit.map((r) => r.action))).toEqual(new Set(['vehicle.refused', 'message.rejected']));
    expect(logs.audit.every((r) => r.requestId === null)).toBe(true);
    expect(logs.deadLetters.length).toBeGreaterThan(0);
    expect(logs.deadLetters.every((d) => d.vehicleId === 'vehicle-b')).toBe(true);
    expect(new Set(logs.deadLetters.map((d) => d.code))).toEqual(new Set(['UNKNOWN_REQUEST', 'REQUEST_ID_CONFLICT']));
  }, 120_000);
});
