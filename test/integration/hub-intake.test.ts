// The booking intake API the smartphone-city-hall relay calls, on the real hub over real TLS, driven by
// a stand-in relay that signs as the OpenAPI document says: signatures (GET over path and query, POST
// over the body bytes), unknown and revoked keys, idempotent bookings, every refusal of the city's
// rules, bad input with the field named, the CLI that issues keys, and the document itself.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import Fastify from 'fastify';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { createLogger, silentLogger } from '../../common/logger';
import { addIntakeKey, revokeIntakeKey } from '../../hub/server/data-dir';
import { intakeRoutes } from '../../hub/server/intake-routes';
import type { BookingService } from '../../hub/server/bookings';
import type { HubStore } from '../../hub/store/types';
import { addDays, earliestBookableVisitDay, isVisitDay } from '../../protocol/visit-calendar';
import { projectRoot } from '../support/fixtures';
import { cliPath } from '../support/host';
import { operatorClient, startTestHub, testVisitRules, type TestHub } from '../support/hub';
import { CONSOLE_API } from '../../protocol/console-api';
import { addOperator } from '../../hub/server';
import { intakeRelay, relaySignature, type IntakeKey } from '../support/intake-relay';

const rules = testVisitRules();
// Wednesday 2026-11-25, 10:00 in Tokyo: every date below is chosen from it, never from today.
const NOW = new Date('2026-11-25T01:00:00.000Z');
const earliestNorth = earliestBookableVisitDay(rules, 'north', NOW)!;
const earliestSouth = earliestBookableVisitDay(rules, 'south', NOW)!;
const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
const docText = readFileSync(join(projectRoot, 'docs', 'intake-api.openapi.json'), 'utf8');
const doc = JSON.parse(docText);

/** The first visit day of the area on or after `date`. */
function visitDayFrom(area: 'north' | 'south', date: string): string {
  let d = date;
  while (!isVisitDay(rules, area, d)) d = addDays(d, 1);
  return d;
}

const resident = { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21', phone: '0246-22-1111' };
function booking(externalId: string, overrides: Record<string, unknown> = {}) {
  return {
    externalId,
    channel: 'line',
    district: '平',
    date: earliestNorth,
    slot: 'am',
    resident,
    eligibility: { reasons: ['elderly'] },
    coverage: 'yes',
    parking: 'unknown',
    services: [{ type: 'certificate', kind: 'juminhyo', copies: 1 }, { type: 'smartphone_help' }],
    ...overrides,
  };
}

let t: TestHub;
let key: IntakeKey;
let relay: ReturnType<typeof intakeRelay>;
let logged = '';
/** The hub started again on the same data folder by the notices test; stopped first. */
let restarted: TestHub | undefined;
beforeAll(async () => {
  const out = new PassThrough();
  out.on('data', (c: Buffer) => (logged += c.toString('utf8')));
  t = await startTestHub({ clock: new ManualClock(NOW), logger: createLogger({ destination: out }) });
  key = await addIntakeKey({ dataDir: t.dataDir, name: 'スマホ市役所 中継', actor: 'test' });
  relay = intakeRelay(t.hub.url, t.hub.caCert, key);
});
afterAll(async () => {
  await restarted?.stop();
  await t?.stop();
});

describe('intake signatures', () => {
  it('answers a call signed with a live key', async () => {
    const res = await relay.availability('north', earliestNorth, earliestNorth);
    expect(res.status).toBe(200);
    expect(res.body.area).toBe('north');
  });

  it('refuses a wrong signature, missing headers and a malformed or unknown key with 401 and a Japanese message', async () => {
    const path = `/api/v1/bookings/availability?area=north&from=${earliestNorth}&to=${earliestNorth}`;
    const cases: [Parameters<typeof relay.get>[1], string][] = [
      [{ signature: relaySignature('not-the-secret', path) }, 'INTAKE_SIGNATURE_INVALID'],
      [{ signature: relaySignature(key.secret, path).replace(/=$/, '') }, 'INTAKE_SIGNATURE_INVALID'],
      [{ omit: 'both' }, 'INTAKE_SIGNATURE_MISSING'],
      [{ omit: 'key' }, 'INTAKE_SIGNATURE_MISSING'],
      [{ omit: 'signature' }, 'INTAKE_SIGNATURE_MISSING'],
      [{ keyId: 'ik-0000000000000000' }, 'INTAKE_KEY_UNKNOWN'],
      [{ keyId: 'not a key' }, 'INTAKE_KEY_UNKNOWN'],
    ];
    for (const [opts, code] of cases) {
      const res = await relay.get(path, opts);
      expect(res.status, code).toBe(401);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toMatch(japanese);
    }
    const post = await relay.book(booking('L-SIG-1'), { signature: relaySignature(key.secret, '{}') });
    expect(post.status).toBe(401);
    expect(post.body.code).toBe('INTAKE_SIGNATURE_INVALID');
    expect(await t.hub.store.transaction((tx) => tx.getBookingByExternalId('line', 'L-SIG-1'))).toBeUndefined();
  });

  it('signs a GET over its query string: the old signature with one parameter changed is refused', async () => {
    const path = `/api/v1/bookings/availability?area=north&from=${earliestNorth}&to=${earliestNorth}`;
    const signature = relaySignature(key.secret, path);
    expect((await relay.get(path, { signature })).status).toBe(200);
    const changed = await relay.get(path.replace('area=north', 'area=south'), { signature });
    expect(changed.status).toBe(401);
    expect(changed.body.code).toBe('INTAKE_SIGNATURE_INVALID');
  });

  it('signs a POST over its body bytes: the same JSON written another way needs its own signature', async () => {
    const body = booking('L-SIG-2', { date: visitDayFrom('north', addDays(earliestNorth, 7)) });
    const raw = JSON.stringify(body);
    const signature = relaySignature(key.secret, raw);
    const respaced = await relay.postRaw('/api/v1/bookings', JSON.stringify(body, null, 1), { signature });
    expect(respaced.status).toBe(401);
    expect((await relay.postRaw('/api/v1/bookings', raw, { signature })).status).toBe(201);
  });

  it('refuses a revoked key from the next call on, and audits the key by its id only', async () => {
    const other = await addIntakeKey({ dataDir: t.dataDir, name: '試験用', actor: 'test' });
    const otherRelay = intakeRelay(t.hub.url, t.hub.caCert, other);
    expect((await otherRelay.availability('south', earliestSouth, earliestSouth)).status).toBe(200);
    await revokeIntakeKey({ dataDir: t.dataDir, keyId: other.keyId, actor: 'test' });
    const res = await otherRelay.availability('south', earliestSouth, earliestSouth);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INTAKE_KEY_REVOKED');
    await expect(revokeIntakeKey({ dataDir: t.dataDir, keyId: other.keyId, actor: 'test' })).rejects.toMatchObject({ code: 'INTAKE_KEY_REVOKED' });
    await expect(revokeIntakeKey({ dataDir: t.dataDir, keyId: 'ik-0000000000000000', actor: 'test' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = await t.hub.store.transaction((tx) => tx.listAudit({}));
    const keyRecords = audit.filter((a) => a.action.startsWith('intake_key.'));
    expect(keyRecords.map((a) => a.action)).toEqual(expect.arrayContaining(['intake_key.add', 'intake_key.revoke']));
    expect(keyRecords.some((a) => (a.detail ?? '').includes(other.keyId))).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(other.secret);
    expect(JSON.stringify(audit)).not.toContain(key.secret);
  });
});

describe('availability', () => {
  it('lists every date of the range with visit days, deadlines as Tokyo times and each slot\'s status', async () => {
    const from = '2026-11-30';
    const to = addDays(from, 13);
    const res = await relay.availability('north', from, to);
    expect(res.status).toBe(200);
    expect(res.body.area).toBe('north');
    expect(res.body.days.map((d: { date: string }) => d.date)).toEqual(Array.from({ length: 14 }, (_, i) => addDays(from, i)));
    for (const day of res.body.days) {
      expect(Object.keys(day).sort()).toEqual(['date', 'deadline', 'slots', 'visitDay']);
      if (day.visitDay) {
        expect(day.deadline).toMatch(/^\d{4}-\d{2}-\d{2}T16:00:00\+09:00$/);
        expect(day.slots.map((s: { slot: string }) => s.slot)).toEqual(['am', 'pm1', 'pm2']);
        for (const s of day.slots) {
          expect(Object.keys(s).sort()).toEqual(['slot', 'start', 'status']);
          expect(['free', 'booked', 'closed']).toContain(s.status);
        }
      } else {
        expect(day.deadline).toBeNull();
        expect(day.slots).toEqual([]);
      }
    }
    // Monday 11-30 closed on Wednesday 11-25 at 16:00 — six hours after NOW; Friday 12-04 is open.
    expect(res.body.days[0]).toMatchObject({ date: '2026-11-30', visitDay: true, deadline: '2026-11-25T16:00:00+09:00' });
    expect(res.body.days[1]).toMatchObject({ date: '2026-12-01', visitDay: false, deadline: null, slots: [] });
  });

  it('refuses a bad query with 400, the field named in Japanese', async () => {
    const bad = await relay.availability('east', earliestNorth, earliestNorth);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_INPUT');
    expect(bad.body.fields.map((f: { path: string }) => f.path)).toContain('area');
    expect(bad.body.message).toMatch(japanese);
    const long = await relay.availability('north', '2026-12-01', '2027-02-01');
    expect(long.status).toBe(400);
    expect(long.body.code).toBe('RANGE_TOO_LONG');
    const missing = await relay.get('/api/v1/bookings/availability?area=north');
    expect(missing.status).toBe(400);
    expect(missing.body.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['from', 'to']));
  });
});

describe('bookings', () => {
  it('answers 201 with the booking, then 200 with the same booking for the same externalId', async () => {
    const first = await relay.book(booking('L-0001', { slot: 'pm1' }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ externalId: 'L-0001', channel: 'line', area: 'north', date: earliestNorth, slot: 'pm1', status: 'booked' });
    const again = await relay.book(booking('L-0001', { slot: 'pm2' }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const avail = await relay.availability('north', earliestNorth, earliestNorth);
    expect(avail.body.days[0].slots.map((s: { status: string }) => s.status)).toEqual(['free', 'booked', 'free']);
    const audit = await t.hub.store.transaction((tx) => tx.listAudit({ action: 'booking.created' }));
    const mine = audit.filter((a) => (a.detail ?? '').includes(first.body.id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.actor).toBe(`intake:${key.keyId}`);
  });

  it('answers 409 SLOT_TAKEN with the next free slots', async () => {
    const date = visitDayFrom('south', addDays(earliestSouth, 7));
    expect((await relay.book(booking('L-0100', { district: '小名浜', date, slot: 'am' }))).status).toBe(201);
    const lost = await relay.book(booking('L-0101', { district: '勿来', date, slot: 'am' }));
    expect(lost.status).toBe(409);
    expect(lost.body.code).toBe('SLOT_TAKEN');
    expect(lost.body.message).toMatch(japanese);
    expect(lost.body.nextFree).toEqual([
      { date, slot: 'pm1', start: rules.slots.pm1.start },
      { date, slot: 'pm2', start: rules.slots.pm2.start },
      { date: visitDayFrom('south', addDays(date, 1)), slot: 'am', start: rules.slots.am.start },
    ]);
  });

  it('answers 422 with the code, a Japanese reason and the earliest possible day for each rule', async () => {
    const cases: [Record<string, unknown>, string, string | null][] = [
      [{ district: '東京' }, 'OUT_OF_AREA', null],
      [{ district: '小名浜', area: 'north' }, 'OUT_OF_AREA', earliestSouth],
      [{ date: '2026-11-27' }, 'DEADLINE_PASSED', earliestNorth], // Friday, two days ahead
      [{ date: '2026-12-08' }, 'NOT_A_VISIT_DAY', earliestNorth], // Tuesday
      [{ date: '2026-12-30', district: '小名浜' }, 'CITY_CLOSED', earliestSouth], // 年末年始, a Wednesday
      [{ date: visitDayFrom('north', addDays('2026-11-25', rules.horizonDays + 1)) }, 'BEYOND_HORIZON', earliestNorth],
    ];
    for (const [i, [overrides, code, earliest]] of cases.entries()) {
      const res = await relay.book(booking(`L-R${i}`, overrides));
      expect(res.status, code).toBe(422);
      expect(res.body).toEqual({ code, message: expect.stringMatching(japanese), earliest });
    }
  });

  it('answers 400 naming the field in Japanese for bad input, and for a body that is not JSON', async () => {
    const slot = await relay.book(booking('L-B1', { slot: 'night' }));
    expect(slot.status).toBe(400);
    expect(slot.body).toMatchObject({ code: 'INVALID_INPUT', message: '時間帯は am・pm1・pm2 のいずれかです。' });
    expect(slot.body.fields).toContainEqual({ path: 'slot', message: '時間帯は am・pm1・pm2 のいずれかです。' });
    const phone = await relay.book(booking('L-B2', { resident: { ...resident, phone: '12345' } }));
    expect(phone.status).toBe(400);
    expect(phone.body.fields.map((f: { path: string }) => f.path)).toContain('resident.phone');
    expect(phone.body.message).toMatch(japanese);
    const notJson = await relay.postRaw('/api/v1/bookings', '{"externalId":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('MALFORMED_JSON');
    const empty = await relay.postRaw('/api/v1/bookings', '');
    expect(empty.status).toBe(400);
  });
});

describe('generated bad input, signed', () => {
  it('answers malformed bodies, wrong-type fields and odd queries with a 4xx and a code, never a 5xx', async () => {
    const sample = <T>(arb: fc.Arbitrary<T>, n: number, offset: number) => fc.sample(arb, { seed: 11_2026 + offset, numRuns: n });
    // A valid booking with one field replaced by anything JSON can hold.
    const fields = Object.keys(booking('x'));
    const mangled = fc.record({ field: fc.constantFrom(...fields), value: fc.jsonValue() }).map(({ field, value }) => ({ ...booking(`L-FUZZ-${field}`), [field]: value }));
    const answers: { what: string; status: number; code: unknown }[] = [];
    for (const body of sample(fc.jsonValue(), 60, 1)) answers.push({ what: 'json', ...pick(await relay.book(body)) });
    for (const body of sample(mangled, 80, 2)) answers.push({ what: 'field', ...pick(await relay.book(body)) });
    for (const raw of sample(fc.string({ maxLength: 200 }), 40, 3)) answers.push({ what: 'raw', ...pick(await relay.postRaw('/api/v1/bookings', raw)) });
    answers.push({ what: 'proto', ...pick(await relay.postRaw('/api/v1/bookings', '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{}}}')) });
    for (const q of sample(fc.string({ maxLength: 40 }), 40, 4)) {
      answers.push({ what: 'query', ...pick(await relay.get(`/api/v1/bookings/availability?area=${encodeURIComponent(q)}&from=${encodeURIComponent(q)}&to=2026-12-01`)) });
      answers.push({ what: 'notices', ...pick(await relay.get(`/api/v1/notices?after=${encodeURIComponent(q)}`)) });
    }
    for (const a of answers) {
      expect(a.status, `${a.what} ${String(a.code)}`).toBeGreaterThanOrEqual(200);
      expect(a.status, `${a.what} ${String(a.code)}`).toBeLessThan(500);
      if (a.status >= 400) expect(typeof a.code, a.what).toBe('string');
    }
    expect(answers.filter((a) => a.status >= 400).length).toBeGreaterThan(answers.length * 0.9);
    expect((await relay.availability('north', earliestNorth, earliestNorth)).status).toBe(200);
  });
});

const pick = (res: { status: number; body: any }) => ({ status: res.status, code: res.body?.code as unknown });

describe('one slot, one booking', () => {
  it('books a slot once when 50 attempts arrive together through the intake API and the dispatcher\'s console', async () => {
    const date = visitDayFrom('north', addDays(earliestNorth, 28));
    // Every fifth attempt is a dispatcher on the phone, through the console's own HTTP route and session.
    await addOperator(t.hub.store, { id: 'D-RUSH', displayName: '配車 急', role: 'dispatcher', password: 'dispatcher-password-rush', actor: 'test' });
    const desk = operatorClient(t.hub.url, t.hub.caCert);
    expect((await desk.signIn('D-RUSH', 'dispatcher-password-rush')).status).toBe(200);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = i % 5 === 4
          ? await desk.call('POST', CONSOLE_API.bookings.create, { ...booking(`phone-rush-000${i}`, { date, slot: 'pm1' }), channel: undefined })
          : await relay.book(booking(`L-RUSH-${i}`, { date, slot: 'pm1' }));
        return { status: res.status, code: res.body.code ?? null, nextFree: res.body.nextFree ?? null };
      }),
    );
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
    const lost = outcomes.filter((o) => o.status !== 201);
    expect(lost).toHaveLength(49);
    for (const o of lost) {
      expect(o).toMatchObject({ status: 409, code: 'SLOT_TAKEN' });
      expect(o.nextFree![0]).toEqual({ date, slot: 'am', start: rules.slots.am.start });
    }
    expect(await t.hub.store.transaction((tx) => tx.listBookedSlots('north', date, date))).toEqual([{ visitDate: date, slot: 'pm1' }]);
  });
});

describe('reading a booking back', () => {
  it('answers the relay\'s booking by its externalId and channel, and 404 for one it does not hold', async () => {
    const date = visitDayFrom('north', addDays(earliestNorth, 21));
    const made = await relay.book(booking('L-READ-1', { date, slot: 'pm2' }));
    expect(made.status).toBe(201);
    const read = await relay.get('/api/v1/bookings/L-READ-1?channel=line');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(made.body);
    const otherChannel = await relay.get('/api/v1/bookings/L-READ-1?channel=web');
    expect(otherChannel.status).toBe(404);
    expect(otherChannel.body.message).toMatch(japanese);
    const phone = await relay.get('/api/v1/bookings/L-READ-1?channel=phone');
    expect(phone.status).toBe(400);
    expect(phone.body.fields.map((f: { path: string }) => f.path)).toEqual(['channel']);
    expect((await relay.get('/api/v1/bookings/L-READ-1?channel=line', { signature: relaySignature(key.secret, '/api/v1/bookings/L-READ-2?channel=line') })).status).toBe(401);
  });
});

describe('logs', () => {
  it('carry key ids and codes, never a secret nor the resident', async () => {
    await new Promise((r) => setImmediate(r));
    expect(logged).toContain('INTAKE_SIGNATURE_INVALID');
    expect(logged).toContain('SLOT_TAKEN');
    expect(logged).toContain(key.keyId);
    for (const value of [key.secret, ...Object.values(resident), '0246221111', '梅本']) expect(logged).not.toContain(value);
  });
});

describe('intake keys from the command line', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ODEKAKE_LOG_LEVEL: 'silent' } });

  it('`hub intake-key add` prints KEY_ID SECRET once, and the relay signs with them; `revoke` shuts the key out', async () => {
    if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
    const added = cli(['hub', 'intake-key', 'add', '--data', t.dataDir, '--name', '中継 (試験)']);
    expect(added.status, added.stderr).toBe(0);
    const [keyId, secret, ...rest] = added.stdout.trim().split(' ');
    expect(rest).toEqual([]);
    expect(keyId).toMatch(/^ik-[0-9a-f]{16}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cliRelay = intakeRelay(t.hub.url, t.hub.caCert, { keyId: keyId!, secret: secret! });
    expect((await cliRelay.availability('north', earliestNorth, earliestNorth)).status).toBe(200);
    const revoked = cli(['hub', 'intake-key', 'revoke', '--data', t.dataDir, '--id', keyId!]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect((await cliRelay.availability('north', earliestNorth, earliestNorth)).body.code).toBe('INTAKE_KEY_REVOKED');
    const badName = cli(['hub', 'intake-key', 'add', '--data', t.dataDir, '--name', ' ']);
    expect(badName.status).toBe(1);
    expect(badName.stderr).toContain('受付キーの名前を入力してください。');
  });
});

describe('the OpenAPI document', () => {
  it('is served without a signature, byte for byte the file kept in docs/', async () => {
    const res = await relay.get('/api/v1/openapi.json', { omit: 'both' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.stringify(res.body, null, 2) + '\n').toBe(docText);
  });

  it('describes every route the intake plugin registers', async () => {
    const app = Fastify({ logger: false });
    const routes: string[] = [];
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push(`${method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await app.register(intakeRoutes, { store: {} as HubStore, bookings: {} as BookingService, log: silentLogger });
    await app.ready();
    await app.close();
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      expect(r.split(' ')[1]).toMatch(/^\/api\/v1\//);
      const [method, path] = r.split(' ') as [string, string];
      expect(doc.paths[path]?.[method], r).toBeDefined();
    }
    // …and nothing the hub does not serve.
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual([...routes].sort());
  });

  it('describes the hub\'s answers: every body below matches its documented schema', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const check = (schema: string, body: unknown) => {
      const validate = ajv.compile({ ...doc, $ref: `#/components/schemas/${schema}` });
      expect(validate(body), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const date = visitDayFrom('south', addDays(earliestSouth, 35));
    check('Availability', (await relay.availability('south', addDays(date, -6), date)).body);
    const made = await relay.book(booking('L-DOC-1', { district: '常磐', date, slot: 'pm2', notes: '犬がいます' }));
    expect(made.status).toBe(201);
    check('Booking', made.body);
    const taken = await relay.book(booking('L-DOC-2', { district: '常磐', date, slot: 'pm2' }));
    expect(taken.status).toBe(409);
    check('SlotTaken', taken.body);
    const refused = await relay.book(booking('L-DOC-3', { date: '2026-12-08' }));
    expect(refused.status).toBe(422);
    check('Refusal', refused.body);
    for (const res of [await relay.book(booking('L-DOC-4', { slot: 'night' })), await relay.book(booking('L-DOC-5'), { omit: 'both' })]) check('Error', res.body);
    const notices = (await relay.get('/api/v1/notices?limit=200')).body.notices;
    expect(notices.length).toBeGreaterThan(0);
    for (const n of notices) check('Notice', n);
  });

  it('has a booking request schema that accepts its example, which the hub accepts too', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile({ ...doc, $ref: '#/components/schemas/BookingRequest' });
    const example = doc.paths['/api/v1/bookings'].post.requestBody.content['application/json'].example;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, slot: 'night' })).toBe(false);
    expect(validate({ ...example, services: [{ type: 'certificate', kind: 'juminhyo' }] })).toBe(false);
    const res = await relay.book({ ...example, date: visitDayFrom('north', addDays(earliestNorth, 14)) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ externalId: example.externalId, status: 'booked' });
  });
});

describe('notices for the relay', () => {
  type Notice = { seq: number; id: string; kind: string; externalId: string; channel: string; message: string };
  const pullAll = async (r: ReturnType<typeof intakeRelay>): Promise<Notice[]> => {
    const res = await r.get('/api/v1/notices?limit=200');
    expect(res.status).toBe(200);
    return res.body.notices;
  };

  it('are pulled in order, survive a hub restart, and are not served again once acknowledged', async () => {
    const before = await pullAll(relay);
    const confirmation = before.find((n) => n.externalId === 'L-0001');
    expect(confirmation).toMatchObject({ kind: 'confirmation', channel: 'line' });
    expect(confirmation!.message).toMatch(japanese);
    expect(before.map((n) => n.seq)).toEqual([...before.map((n) => n.seq)].sort((a, b) => a - b));
    expect(JSON.stringify(before)).not.toMatch(/磐城|0246|梅本/);
    expect(before.length).toBeGreaterThan(3);

    // Paging by seq gives the same notices as one pull.
    const page = await relay.get('/api/v1/notices?limit=2');
    expect(page.body.notices).toEqual(before.slice(0, 2));
    const rest = await relay.get(`/api/v1/notices?after=${page.body.notices[1].seq}&limit=200`);
    expect([...page.body.notices, ...rest.body.notices]).toEqual(before);
    for (const q of ['limit=0', 'limit=201', 'after=-1', 'after=1.5', 'after=9999999999', 'after=x']) {
      const res = await relay.get(`/api/v1/notices?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.message).toMatch(japanese);
    }
    expect((await relay.get('/api/v1/notices?limit=200', { signature: relaySignature(key.secret, '/api/v1/notices?limit=100') })).status).toBe(401);

    // The relay is down while the hub restarts: nothing is lost.
    await t.hub.stop();
    restarted = await startTestHub({ dataDir: t.dataDir, clock: new ManualClock(NOW) });
    const back = intakeRelay(restarted.hub.url, restarted.hub.caCert, key);
    expect(await pullAll(back)).toEqual(before);

    const passedOn = before.slice(0, 3).map((n) => n.id);
    const ack = await back.post('/api/v1/notices/ack', { ids: passedOn });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ acknowledged: 3 });
    expect(await pullAll(back)).toEqual(before.slice(3));
    // Acknowledging again is harmless; a bad body is refused with the field named.
    expect((await back.post('/api/v1/notices/ack', { ids: passedOn })).body).toEqual({ acknowledged: 0 });
    const bad = await back.post('/api/v1/notices/ack', { ids: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { path: string }) => f.path)).toContain('ids');

    // A dispatcher cancels a LINE booking: the relay hears of it.
    const read = await back.get('/api/v1/bookings/L-0001?channel=line');
    await restarted.hub.bookings.cancel(read.body.id, '入院のため', 'dispatcher-1');
    const after = await pullAll(back);
    expect(after.at(-1)).toMatchObject({ kind: 'cancelled', externalId: 'L-0001', channel: 'line' });
    expect(JSON.stringify(after)).not.toContain('入院');

    expect((await back.post('/api/v1/notices/ack', { ids: after.map((n) => n.id) })).body).toEqual({ acknowledged: after.length });
    expect(await pullAll(back)).toEqual([]);
    const audit = await restarted.hub.store.transaction((tx) => tx.listAudit({ action: 'notices.relayed' }));
    expect(audit.every((a) => a.actor === `intake:${key.keyId}`)).toBe(true);
    expect(audit).toHaveLength(2);
  });
});
