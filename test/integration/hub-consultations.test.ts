// The consultation service through the hub's real HTTPS routes and call sockets: queues with two
// vehicles and one consultant, a consultant leaving mid-queue, a call abandoned while waiting, signals
// relayed only between the two parties, a network gap shorter and longer than the grace period, the
// call records and the consultant's notes.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { addOperator } from '../../hub/server';
import { httpsCall, operatorClient, startTestHub, type TestHub, type VehicleTls } from '../support/hub';

const TURN = { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' };
const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };

let hub: TestHub | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await hub?.stop();
  hub = undefined;
});

interface FrameSocket {
  ws: WebSocket;
  frames: any[];
  /** Waits for a frame matching `pick` that arrived after the `from`-th frame. */
  waitFor(pick: (f: any) => boolean, timeoutMs?: number): Promise<any>;
  send(frame: unknown): void;
}

function openSocket(url: string, options: ConstructorParameters<typeof WebSocket>[2]): Promise<FrameSocket> {
  const ws = new WebSocket(url, options);
  sockets.push(ws);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  const waitFor = async (pick: (f: any) => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = frames.find(pick);
      if (hit) {
        frames.splice(frames.indexOf(hit), 1);
        return hit;
      }
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, waitFor, send: (f) => ws.send(JSON.stringify(f)) }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function vehicle(t: TestHub, id: string) {
  const v: VehicleTls = await t.enroll(id);
  const tls = { cert: v.cert, key: v.key, ca: v.ca };
  const base = `${t.hub.url}/api/v1/vehicle`;
  return {
    id,
    availability: () => httpsCall(`${base}/consultations/availability`, { tls }),
    turn: () => httpsCall(`${base}/turn-credentials`, { tls }),
    call: (department: string, staffId = 'S0001') => httpsCall(`${base}/consultations`, { body: { department, staffId }, tls }),
    abandon: (callId: string) => httpsCall(`${base}/consultations/${callId}/abandon`, { body: {}, tls }),
    end: (callId: string) => httpsCall(`${base}/consultations/${callId}/end`, { body: {}, tls }),
    socket: () => openSocket(`${t.hub.url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, tls),
  };
}

async function consultant(t: TestHub, id: string, name: string) {
  await addOperator(t.hub.store, { id, displayName: name, role: 'consultant', password: `${id}-password-1`, actor: 'test' });
  const op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(id, `${id}-password-1`)).status).toBe(200);
  return {
    id,
    op,
    available: (departments: string[]) => op.call('PUT', '/api/v1/console/consultations/availability', { departments }),
    desk: () => op.call('GET', '/api/v1/console/consultations'),
    accept: (callId: string) => op.call('POST', `/api/v1/console/consultations/${callId}/accept`, {}),
    end: (callId: string) => op.call('POST', `/api/v1/console/consultations/${callId}/end`, {}),
    notes: (callId: string, text: string) => op.call('PUT', `/api/v1/console/consultations/${callId}/notes`, { text }),
    signOut: () => op.call('DELETE', '/api/v1/console/session'),
    socket: () =>
      openSocket(`${t.hub.url.replace('https', 'wss')}/api/v1/console/consultations/ws`, {
        ca: t.hub.caCert,
        headers: { cookie: op.cookie, origin: new URL(t.hub.url).origin },
      }),
  };
}

describe('consultation queues at the hub', () => {
  it('two vehicles call one department with one consultant: oldest first, places move up, signals reach only the other party', async () => {
    hub = await startTestHub({ turn: TURN });
    const [a, b] = [await vehicle(hub, 'car-a'), await vehicle(hub, 'car-b')];
    const sato = await consultant(hub, 'sato', '佐藤 年金担当');
    const [sa, sb, sc] = [await a.socket(), await b.socket(), await sato.socket()];

    expect((await sato.available(['pension'])).status).toBe(200);
    expect((await a.availability()).body.departments.find((d: any) => d.department === 'pension')).toEqual({ department: 'pension', available: 1, waiting: 0 });

    const callA = (await a.call('pension')).body;
    const callB = (await b.call('pension', 'S0002')).body;
    expect([callA.state, callA.position, callB.position]).toEqual(['waiting', 1, 2]);
    expect((await a.call('pension')).body.code).toBe('CALL_ALREADY_OPEN');
    await sc.waitFor((f) => f.type === 'queues');
    const desk = (await sato.desk()).body;
    expect(desk.queues.find((q: any) => q.department === 'pension').calls.map((c: any) => c.id)).toEqual([callA.id, callB.id]);

    // The consultant may not skip the queue.
    expect((await sato.accept(callB.id)).body.code).toBe('NOT_FIRST_IN_QUEUE');
    const accepted = await sato.accept(callA.id);
    expect(accepted.body).toMatchObject({ state: 'connected', consultantName: '佐藤 年金担当', peerPresent: true });
    await sa.waitFor((f) => f.type === 'call' && f.call.state === 'connected' && f.call.consultantName === '佐藤 年金担当');
    await sb.waitFor((f) => f.type === 'call' && f.call.id === callB.id && f.call.position === 1);
    // Busy consultants count as unavailable.
    expect((await b.availability()).body.departments.find((d: any) => d.department === 'pension')).toEqual({ department: 'pension', available: 0, waiting: 1 });

    sa.send({ type: 'signal', callId: callA.id, data: offer });
    expect((await sc.waitFor((f) => f.type === 'signal')).data).toEqual(offer);
    sc.send({ type: 'signal', callId: callA.id, data: answer });
    expect((await sa.waitFor((f) => f.type === 'signal')).data).toEqual(answer);

    // A third party — the waiting vehicle, and a consultant who is not in the call — cannot signal into it.
    sb.send({ type: 'signal', callId: callA.id, data: offer });
    expect((await sb.waitFor((f) => f.type === 'error')).code).toBe('NOT_A_PARTY');
    const suzuki = await consultant(hub, 'suzuki', '鈴木');
    const ss = await suzuki.socket();
    ss.send({ type: 'signal', callId: callA.id, data: offer });
    expect((await ss.waitFor((f) => f.type === 'error')).code).toBe('NOT_A_PARTY');
    // Junk is refused too, and nothing of either reached the parties.
    sb.send({ type: 'signal', callId: callA.id, data: { type: 'offer', sdp: 'x'.repeat(20_000) } });
    expect((await sb.waitFor((f) => f.type === 'error')).code).toBe('INVALID_FRAME');
    await new Promise((r) => setTimeout(r, 200));
    expect(sc.frames.filter((f) => f.type === 'signal')).toEqual([]);
    expect(sa.frames.filter((f) => f.type === 'signal')).toEqual([]);
    // Nor can they end it.
    expect((await suzuki.end(callA.id)).body.code).toBe('NOT_A_PARTY');
    expect((await b.end(callA.id)).body.code).toBe('NOT_A_PARTY');

    expect((await a.end(callA.id)).body).toMatchObject({ state: 'ended', outcome: 'completed' });
    await sc.waitFor((f) => f.type === 'call' && f.call.state === 'ended');
    expect((await sato.accept(callB.id)).body.state).toBe('connected');

    const record = await hub.hub.store.transaction((tx) => tx.getConsultation(callA.id));
    expect(record).toMatchObject({ vehicleId: 'car-a', staffId: 'S0001', department: 'pension', consultantId: 'sato', outcome: 'completed' });
    expect(record!.connectedAt! <= record!.endedAt!).toBe(true);
    const recordB = await hub.hub.store.transaction((tx) => tx.getConsultation(callB.id));
    expect(recordB).toMatchObject({ staffId: 'S0002', consultantId: 'sato', outcome: null });
  });

  it('a consultant leaving mid-queue leaves the calls waiting for the next one; the call they were in ends', async () => {
    hub = await startTestHub({ turn: TURN });
    const [a, b] = [await vehicle(hub, 'car-a'), await vehicle(hub, 'car-b')];
    const [sa, sb] = [await a.socket(), await b.socket()];
    const tanaka = await consultant(hub, 'tanaka', '田中');
    await tanaka.available(['welfare_health']);
    const callA = (await a.call('welfare_health')).body;
    const callB = (await b.call('welfare_health')).body;
    await tanaka.accept(callA.id);

    expect((await tanaka.signOut()).status).toBe(200);
    expect((await sa.waitFor((f) => f.type === 'call' && f.call.state === 'ended')).call.outcome).toBe('consultant_left');
    // B still waits, first in line now, and nobody is available.
    expect((await b.availability()).body.departments.find((d: any) => d.department === 'welfare_health')).toEqual({ department: 'welfare_health', available: 0, waiting: 1 });
    await sb.waitFor((f) => f.type === 'call' && f.call.position === 1);

    const ito = await consultant(hub, 'ito', '伊藤');
    await ito.available(['welfare_health', 'pension']);
    expect((await ito.accept(callB.id)).body).toMatchObject({ state: 'connected', consultantName: '伊藤' });
    expect(await hub.hub.store.transaction((tx) => tx.getConsultation(callA.id))).toMatchObject({ outcome: 'consultant_left', consultantId: 'tanaka' });
  });

  it('a call abandoned while waiting leaves the queue, and the one behind moves up', async () => {
    hub = await startTestHub({ turn: TURN });
    const [a, b] = [await vehicle(hub, 'car-a'), await vehicle(hub, 'car-b')];
    const [, sb] = [await a.socket(), await b.socket()];
    const callA = (await a.call('life_events')).body;
    const callB = (await b.call('life_events')).body;
    expect(callB.position).toBe(2);
    expect((await b.abandon(callA.id)).body.code).toBe('NOT_YOUR_CALL');
    expect((await a.abandon(callA.id)).body).toMatchObject({ state: 'abandoned', outcome: 'abandoned' });
    await sb.waitFor((f) => f.type === 'call' && f.call.id === callB.id && f.call.position === 1);
    expect((await a.abandon(callA.id)).body.code).toBe('CALL_NOT_WAITING');
    const ono = await consultant(hub, 'ono', '小野');
    await ono.available(['life_events']);
    expect((await ono.accept(callA.id)).body.code).toBe('CALL_NOT_WAITING');
    expect((await ono.accept(callB.id)).body.state).toBe('connected');
    expect(await hub.hub.store.transaction((tx) => tx.getConsultation(callA.id))).toMatchObject({ outcome: 'abandoned', consultantId: null });
  });

  it('waits for a party whose network dropped: signals are held and delivered on return; past the grace period the call is interrupted', async () => {
    hub = await startTestHub({ turn: TURN, callGraceMs: 800 });
    const a = await vehicle(hub, 'car-a');
    const mori = await consultant(hub, 'mori', '森');
    let sa = await a.socket();
    const sc = await mori.socket();
    await mori.available(['sign_language']);
    const call = (await a.call('sign_language')).body;
    await mori.accept(call.id);
    await sa.waitFor((f) => f.type === 'call' && f.call.state === 'connected');

    // A gap shorter than the grace period.
    sa.ws.terminate();
    await sc.waitFor((f) => f.type === 'call' && f.call.peerPresent === false);
    sc.send({ type: 'signal', callId: call.id, data: { type: 'restart-ice' } });
    await new Promise((r) => setTimeout(r, 300));
    sa = await a.socket();
    await sa.waitFor((f) => f.type === 'call' && f.call.state === 'connected' && f.call.peerPresent === true);
    expect((await sa.waitFor((f) => f.type === 'signal')).data).toEqual({ type: 'restart-ice' });
    await sc.waitFor((f) => f.type === 'call' && f.call.peerPresent === true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await mori.desk()).body.current).toMatchObject({ id: call.id, state: 'connected' });

    // A gap longer than the grace period.
    sa.ws.terminate();
    const interrupted = await sc.waitFor((f) => f.type === 'call' && f.call.state === 'interrupted', 5_000);
    expect(interrupted.call.outcome).toBe('interrupted');
    sa = await a.socket();
    expect(sa.frames.filter((f) => f.type === 'call')).toEqual([]);
    expect(await hub.hub.store.transaction((tx) => tx.getConsultation(call.id))).toMatchObject({ outcome: 'interrupted' });
    // One tap calls again: a call-back goes to the front of the line, ahead of a vehicle already waiting.
    const b = await vehicle(hub, 'car-b');
    await b.socket();
    expect((await b.call('sign_language')).body.position).toBe(1);
    const again = (await a.call('sign_language')).body;
    expect(again).toMatchObject({ state: 'waiting', callBack: true, position: 1 });
    expect((await mori.desk()).body.queues.find((q: any) => q.department === 'sign_language').calls.map((c: any) => [c.vehicleId, c.callBack])).toEqual([
      ['car-a', true],
      ['car-b', false],
    ]);
    // Only once, and only for the same department.
    await a.abandon(again.id);
    expect((await a.call('sign_language')).body).toMatchObject({ callBack: false, position: 2 });
  });

  it('hands out TURN credentials coturn will accept, refuses calls without TURN, and keeps notes for the consultant only', async () => {
    hub = await startTestHub({ turn: TURN });
    const a = await vehicle(hub, 'car-a');
    const turn = (await a.turn()).body;
    const [server] = turn.iceServers;
    expect(server.urls).toEqual(TURN.urls);
    expect(server.username).toMatch(/^\d+:v-car-a$/);
    expect(server.credential).toBe(createHmac('sha1', TURN.secret).update(server.username).digest('base64'));
    expect(Number(server.username.split(':')[0]) * 1000).toBeGreaterThan(Date.now());

    const kato = await consultant(hub, 'kato', '加藤');
    const other = await consultant(hub, 'kimura', '木村');
    await a.socket();
    await kato.available(['pension']);
    const call = (await a.call('pension')).body;
    await kato.accept(call.id);
    await kato.end(call.id);
    const note = '年金の受給開始時期について説明。来月再相談。';
    expect((await kato.notes(call.id, note)).body.notes).toBe(note);
    expect((await other.notes(call.id, 'x')).body.code).toBe('NOT_YOUR_CALL');
    expect((await kato.desk()).body.recent[0]).toMatchObject({ id: call.id, notes: note, outcome: 'completed' });
    expect((await kato.notes(call.id, 'あ'.repeat(4_001))).status).toBe(400);
    const audit = await hub.hub.store.transaction((tx) => tx.listAudit({ limit: 1000 }));
    expect(JSON.stringify(audit)).not.toContain('受給開始');
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['consultation.called', 'consultation.accepted', 'consultation.ended', 'consultation.notes_saved']));
    expect((await hub.hub.store.transaction((tx) => tx.verifyAudit())).ok).toBe(true);

    await hub.stop();
    hub = await startTestHub();
    const b = await vehicle(hub, 'car-b');
    expect((await b.call('pension')).body.code).toBe('TURN_NOT_CONFIGURED');
    expect((await b.availability()).body.turn).toBe(false);
  });
});
