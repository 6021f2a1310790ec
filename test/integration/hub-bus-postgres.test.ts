// Several hub processes on one PostgreSQL: events published by one reach the sockets another holds,
// through LISTEN/NOTIFY, and survive a dropped listening connection with a re-sync.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger, silentLogger } from '../../common/logger';
import { addOperator, enrollVehicle, initHub, revokeVehicle, startHub, type RunningHub } from '../../hub/server';
import type { HubEvent, HubEventBus } from '../../hub/server/bus';
import { BUS_CHANNEL, PostgresBus } from '../../hub/server/bus-postgres';
import { REVOKED_CLOSE_CODE } from '../../hub/server/push';
import { feesFile, tempDir } from '../support/fixtures';
import { loadFeeTable } from '../../common/fee-table-file';
import { addApprover, adminCredentials, approverCredentials, httpsCall, testVisitRules, operatorClient, readEnrollment, submitMessage, vehicleClient, type VehicleTls } from '../support/hub';
import { testCertificates, testRegistry } from '../support/hub-ports';
import { createTestDatabase } from '../support/postgres';

let database: { url: string; drop(): Promise<void> };
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await database.drop();
});

function capturedLogger() {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) });
  return { log, lines };
}

async function bus(log = silentLogger): Promise<PostgresBus> {
  const b = await PostgresBus.start({ url: database.url, log, retry: { initialMs: 20, maxMs: 200 } });
  opened.push(b);
  return b;
}

/** The next event on `b` that `match` accepts (subscribe before publishing). */
function nextEvent(b: HubEventBus, match: (e: HubEvent) => boolean, timeoutMs = 5_000): Promise<{ event: HubEvent; local: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('no matching event arrived'))), timeoutMs);
    const off = b.subscribe((event, meta) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve({ event, local: meta.local });
    });
  });
}

function resynced(b: HubEventBus, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no re-sync')), timeoutMs);
    const off = b.onResync(() => (clearTimeout(timer), off(), resolve()));
  });
}

async function sql(text: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

describe('the PostgreSQL event bus', () => {
  it('delivers an event published by one process to the subscribers of another, and once to its own', async () => {
    const a = await bus();
    const b = await bus();
    const seenByA: HubEvent[] = [];
    a.subscribe((e) => seenByA.push(e));
    const atB = nextEvent(b, (e) => e.type === 'inbox.appended');
    await a.publish({ type: 'inbox.appended', vehicleId: 'car-1', fromSeq: 3, toSeq: 4 });
    expect(await atB).toEqual({ event: { type: 'inbox.appended', vehicleId: 'car-1', fromSeq: 3, toSeq: 4 }, local: false });
    // A's own NOTIFY comes back to it before B's; it must not be delivered a second time.
    const fromB = nextEvent(a, (e) => e.type === 'console.notice');
    await b.publish({ type: 'console.notice', notice: { type: 'request.relayed', requestId: 'request-0001' } });
    await fromB;
    expect(seenByA.map((e) => e.type)).toEqual(['inbox.appended', 'console.notice']);
  });

  it('carries a WebRTC offer larger than the NOTIFY limit through the spill table', async () => {
    const a = await bus();
    const b = await bus();
    const sdp = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host\r\n'.repeat(300)}`.slice(0, 16_000);
    const atB = nextEvent(b, (e) => e.type === 'call.signal');
    await a.publish({ type: 'call.signal', to: { kind: 'consultant', id: 'welfare-1' }, callId: 'call-12345678', data: { type: 'offer', sdp } });
    const { event } = await atB;
    expect(event.type === 'call.signal' && event.data.type === 'offer' ? event.data.sdp : null).toBe(sdp);
  });

  it('reconnects after its listening connection is terminated, asks for a re-sync, and hears events again', async () => {
    const a = await bus();
    const b = await bus();
    const pid = b.listeningBackendPid;
    expect(pid).toBeGreaterThan(0);
    const again = resynced(b);
    const terminated = await sql('SELECT pg_terminate_backend($1) AS ok', [pid]);
    expect(terminated.rows[0].ok).toBe(true);
    await again;
    expect(b.listeningBackendPid).not.toBe(pid);
    const atB = nextEvent(b, (e) => e.type === 'vehicle.revoked');
    await a.publish({ type: 'vehicle.revoked', vehicleId: 'car-9' });
    expect((await atB).event).toEqual({ type: 'vehicle.revoked', vehicleId: 'car-9' });
  });

  it('drops a malformed payload and logs only its size, then goes on with the next one', async () => {
    const { log, lines } = capturedLogger();
    const b = await bus(log);
    const seen: HubEvent[] = [];
    b.subscribe((e) => seen.push(e));
    const valid = nextEvent(b, (e) => e.type === 'console.notice');
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      await c.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, 'not json: 山田太郎']);
      await c.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, JSON.stringify({ o: 'other', e: { type: 'inbox.appended', vehicleId: '山田 花子', fromSeq: 1, toSeq: 1 } })]);
      await c.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, JSON.stringify({ o: 'other', e: { type: 'console.notice', notice: { type: 'dead_letter' } } })]);
    } finally {
      await c.end();
    }
    await valid;
    expect(seen).toEqual([{ type: 'console.notice', notice: { type: 'dead_letter' } }]);
    expect(lines.filter((l) => l.includes('malformed event dropped'))).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/山田|花子/);
  });

  it('does not start when the database cannot be reached, and never logs the password', async () => {
    const { log, lines } = capturedLogger();
    const url = new URL(database.url);
    url.password = 'secret-password-xyz';
    url.port = '1';
    await expect(PostgresBus.start({ url: url.toString(), log })).rejects.toThrow();
    expect(lines.join('\n')).not.toContain('secret-password-xyz');
  });
});

interface HubPair {
  tmp: ReturnType<typeof tempDir>;
  dataDir: string;
  a: RunningHub;
  b: RunningHub;
  stop(): Promise<void>;
}

/** Two hub processes on one data folder and one new database (the bus tests share theirs). */
async function startHubPair(prefix: string, extra: { callGraceMs?: number } = {}): Promise<HubPair> {
  const tmp = tempDir(prefix);
  const dataDir = join(tmp.dir, 'hub');
  const hubDatabase = await createTestDatabase();
  await initHub({ dataDir, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password, db: hubDatabase.url });
  const options = {
    dataDir, registry: testRegistry(), certificates: testCertificates(), logger: silentLogger, db: hubDatabase.url, visitRules: testVisitRules(),
    fees: loadFeeTable(feesFile),
    // Revocations reach these processes through the bus; the periodic check never runs in a test.
    revocationCheckMs: 3_600_000,
    turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' },
    ...extra,
  };
  const a = await startHub(options);
  const b = await startHub(options);
  await addApprover(a.store);
  return {
    tmp, dataDir, a, b,
    async stop() {
      await a.stop();
      await b.stop();
      await hubDatabase.drop();
      tmp.remove();
    },
  };
}

describe('two hub processes on one database', () => {
  let pair: HubPair;
  let tmp: HubPair['tmp'];
  let dataDir: string;
  let a: RunningHub;
  let b: RunningHub;

  beforeAll(async () => {
    pair = await startHubPair('odekake-hub-pair-');
    ({ tmp, dataDir, a, b } = pair);
  });
  afterAll(() => pair?.stop());

  async function enroll(vehicleId: string) {
    const dir = join(tmp.dir, `vehicle-${vehicleId}`);
    await enrollVehicle({ dataDir, vehicleId, outDir: dir, hubUrl: a.url, actor: 'test' });
    return readEnrollment(dir);
  }

  function consoleSocket(hub: RunningHub, cookie: string): Promise<{ ws: WebSocket; next(): Promise<{ type: string; requestId?: string }> }> {
    const ws = new WebSocket(`${hub.url.replace('https', 'wss')}/api/v1/console/ws`, { ca: hub.caCert, headers: { cookie, origin: hub.url } });
    const frames: { type: string; requestId?: string }[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d) => {
      frames.push(JSON.parse(String(d)));
      waiters.splice(0).forEach((w) => w());
    });
    const next = () =>
      new Promise<{ type: string; requestId?: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no console notice')), 5_000);
        const take = () => {
          const f = frames.shift();
          if (f) return (clearTimeout(timer), resolve(f));
          waiters.push(take);
        };
        take();
      });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, next }));
      ws.once('error', reject);
    });
  }

  function closed(ws: WebSocket): Promise<number> {
    return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  }

  it('pushes a decision made on one process to the vehicle socket on the other, and tells consoles there', async () => {
    const v = await enroll('car-pair');
    const heardOnA = nextEvent(a.bus, (e) => e.type === 'vehicle.presence' && e.vehicleId === 'car-pair');
    const socketOnB = await vehicleClient(b.url, v).socket(0);
    // The operators' lists on A show the vehicle connected to B.
    expect((await heardOnA).event).toMatchObject({ connected: true });
    expect(a.push.connectedVehicles()).toContain('car-pair');
    const op = operatorClient(a.url, a.caCert);
    expect((await op.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    const consoleOnB = await consoleSocket(b, op.cookie);

    const m = submitMessage();
    expect((await vehicleClient(a.url, v).deliver([m])).status).toBe(200);
    expect(await consoleOnB.next()).toEqual({ type: 'request.relayed', requestId: m.requestId });

    const approved = await op.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const frames = await socketOnB.next(2);
    expect(frames.map((f) => [f.seq, f.body.type])).toEqual([[1, 'decision'], [2, 'print_job']]);
    expect(frames[1].body.jobId).toBe(approved.body.jobId);
    expect(await consoleOnB.next()).toEqual({ type: 'request.decided', requestId: m.requestId });

    // B's listening connection drops: once back, it re-sends what the vehicle has not acknowledged.
    const pid = (b.bus as PostgresBus).listeningBackendPid;
    await sql('SELECT pg_terminate_backend($1)', [pid]);
    const again = await socketOnB.next(4, 10_000);
    expect(again.slice(2).map((f) => f.seq)).toEqual([1, 2]);
    expect(await consoleOnB.next()).toEqual({ type: 'resync' });
    const goneOnA = nextEvent(a.bus, (e) => e.type === 'vehicle.presence' && e.vehicleId === 'car-pair');
    socketOnB.ws.close();
    expect((await goneOnA).event).toMatchObject({ connected: false });
    expect(a.push.connectedVehicles()).not.toContain('car-pair');
    consoleOnB.ws.close();
  });

  it('closes a revoked vehicle’s sockets on every process at once', async () => {
    const v = await enroll('car-revoked');
    const onA = await vehicleClient(a.url, v).socket(0);
    const onB = await vehicleClient(b.url, v).socket(0);
    const closedA = closed(onA.ws);
    const closedB = closed(onB.ws);
    // Written by another process (the command line): it tells every hub process through the bus, and
    // each closes its own socket of the vehicle without waiting for its periodic check.
    await revokeVehicle({ dataDir, vehicleId: 'car-revoked', actor: 'admin' });
    expect(await closedA).toBe(REVOKED_CLOSE_CODE);
    expect(await closedB).toBe(REVOKED_CLOSE_CODE);
    await expect(vehicleClient(b.url, v).socket(0)).rejects.toThrow(/403/);
  });
});

/** A call socket whose frames can be awaited. */
function callSocket(url: string, options: ConstructorParameters<typeof WebSocket>[2]) {
  const ws = new WebSocket(url, options);
  const frames: any[] = [];
  let arrived: () => void = () => undefined;
  ws.on('message', (d) => {
    frames.push(JSON.parse(String(d)));
    arrived();
  });
  const waitFor = (pick: (f: any) => boolean, timeoutMs = 5_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)), timeoutMs);
      const look = () => {
        const hit = frames.find(pick);
        if (!hit) return;
        frames.splice(frames.indexOf(hit), 1);
        clearTimeout(timer);
        arrived = () => undefined;
        resolve(hit);
      };
      arrived = look;
      look();
    });
  return new Promise<{ ws: WebSocket; waitFor: typeof waitFor; send(f: unknown): void }>((resolve, reject) => {
    ws.once('open', () => resolve({ ws, waitFor, send: (f) => ws.send(JSON.stringify(f)) }));
    ws.once('error', reject);
  });
}

describe('a consultation across two hub processes', () => {
  let pair: HubPair;
  let tmp: HubPair['tmp'];
  let dataDir: string;
  let a: RunningHub;
  let b: RunningHub;

  beforeAll(async () => {
    pair = await startHubPair('odekake-hub-call-pair-', { callGraceMs: 1_000 });
    ({ tmp, dataDir, a, b } = pair);
  });
  afterAll(() => pair?.stop());

  /** A vehicle calling on process A, a consultant on process B available for welfare_health. */
  async function parties(vehicleId: string, consultantId: string, consultantName: string) {
    const dir = join(tmp.dir, `vehicle-${vehicleId}`);
    await enrollVehicle({ dataDir, vehicleId, outDir: dir, hubUrl: a.url, actor: 'test' });
    const v: VehicleTls = readEnrollment(dir);
    const tls = { cert: v.cert, key: v.key, ca: v.ca };
    const vehicleApi = `${a.url}/api/v1/vehicle/consultations`;
    await addOperator(a.store, { id: consultantId, displayName: consultantName, role: 'consultant', password: `${consultantId}-password-1`, actor: 'test' });
    const op = operatorClient(b.url, b.caCert);
    expect((await op.signIn(consultantId, `${consultantId}-password-1`)).status).toBe(200);
    const vehicleSocket = await callSocket(`${a.url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, tls);
    const consultantSocket = await callSocket(`${b.url.replace('https', 'wss')}/api/v1/console/consultations/ws`, {
      ca: b.caCert, headers: { cookie: op.cookie, origin: new URL(b.url).origin },
    });
    expect((await op.call('PUT', '/api/v1/console/consultations/availability', { departments: ['welfare_health'] })).status).toBe(200);
    await consultantSocket.waitFor((f) => f.type === 'queues');
    return { tls, vehicleApi, op, vehicleSocket, consultantSocket };
  }

  it('queues a vehicle calling on one process for a consultant on the other, relays signals both ways and ends on both', async () => {
    const { tls, vehicleApi, op, vehicleSocket, consultantSocket } = await parties('car-call', 'suzuki', '鈴木 福祉担当');
    const called = await httpsCall(vehicleApi, { body: { department: 'welfare_health', staffId: 'S0001' }, tls });
    expect(called.status, JSON.stringify(called.body)).toBe(200);
    const callId: string = called.body.id;
    // Process B hears of the call: its consultant is told the queues changed, and its desk lists it.
    await consultantSocket.waitFor((f) => f.type === 'queues');
    const desk = (await op.call('GET', '/api/v1/console/consultations')).body;
    expect(desk.queues.find((q: any) => q.department === 'welfare_health').calls.map((c: any) => c.id)).toEqual([callId]);

    const accepted = await op.call('POST', `/api/v1/console/consultations/${callId}/accept`, {});
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'connected', peerPresent: true });
    const connected = await vehicleSocket.waitFor((f) => f.type === 'call' && f.call.state === 'connected');
    expect(connected.call).toMatchObject({ id: callId, consultantName: '鈴木 福祉担当', peerPresent: true });

    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
    vehicleSocket.send({ type: 'signal', callId, data: offer });
    expect((await consultantSocket.waitFor((f) => f.type === 'signal')).data).toEqual(offer);
    consultantSocket.send({ type: 'signal', callId, data: answer });
    expect((await vehicleSocket.waitFor((f) => f.type === 'signal')).data).toEqual(answer);

    const ended = await httpsCall(`${vehicleApi}/${callId}/end`, { body: {}, tls });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect((await consultantSocket.waitFor((f) => f.type === 'call' && f.call.state === 'ended')).call.outcome).toBe('completed');
    const record = await b.store.transaction((tx) => tx.getConsultation(callId));
    expect(record).toMatchObject({ consultantId: 'suzuki', outcome: 'completed' });
    vehicleSocket.ws.close();
    consultantSocket.ws.close();
  });

  it('interrupts a call after the grace period when the process holding the consultant stops announcing (it died)', async () => {
    const { tls, vehicleApi, op, vehicleSocket, consultantSocket } = await parties('car-crash', 'tanaka', '田中 福祉担当');
    const called = await httpsCall(vehicleApi, { body: { department: 'welfare_health', staffId: 'S0001' }, tls });
    const callId: string = called.body.id;
    await consultantSocket.waitFor((f) => f.type === 'queues');
    const accepted = await op.call('POST', `/api/v1/console/consultations/${callId}/accept`, {});
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    await vehicleSocket.waitFor((f) => f.type === 'call' && f.call.state === 'connected' && f.call.peerPresent === true);
    // Process B goes silent as a killed process would: no goodbye, no more heartbeats.
    await b.bus.close();
    const cut = await vehicleSocket.waitFor((f) => f.type === 'call' && f.call.state === 'interrupted', 10_000);
    expect(cut.call).toMatchObject({ id: callId, outcome: 'interrupted' });
    expect(await a.store.transaction((tx) => tx.getConsultation(callId))).toMatchObject({ outcome: 'interrupted' });
  });
});
