// The vehicle's sync loop against a scripted hub transport (the HubTransport interface): ordering,
// idempotent answers, refused messages set aside, backoff, and hub messages applied exactly once.
// The real hub over mutual TLS is exercised in test/integration.
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliverResponse, HubEnvelope, VehicleMessage } from '../../protocol/hub';
import { DELIVER_BATCH_MAX_MESSAGES, LEGACY_DELIVER_BATCH_MAX_MESSAGES, printJobSigningInput } from '../../protocol/hub';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { AppError } from '../../electron/core/errors';
import { HubUnreachable, type HubTransport } from '../../electron/core/hub-transport';
import { createLogger } from '../../common/logger';
import { TerminalCore } from '../../electron/core/terminal';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { contractOn } from '../support/contract';

class ScriptedHub implements HubTransport {
  readonly vehicleId = 'vehicle-sync-test';
  readonly received: VehicleMessage[] = [];
  readonly answers = new Map<string, DeliverResponse['results'][number]>();
  inboxMessages: HubEnvelope[] = [];
  acked = 0;
  down = false;
  /** Answer only this many messages of a batch, as when the answer is cut part-way. */
  answerOnly: number | null = null;
  refuse = new Set<string>(); // request ids whose messages are refused as unknown
  deliveries = 0;
  batchSizes: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Refuses a larger batch whole (400 MALFORMED_BATCH), as a hub from before larger batches does. */
  maxBatch: number | null = null;
  /** Cuts the answer to this delivery (1-based) after answerOnly messages; null: every delivery. */
  cutDelivery: number | null = null;

  async deliver(messages: VehicleMessage[]): Promise<DeliverResponse> {
    this.deliveries++;
    this.batchSizes.push(messages.length);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      // The hub is another machine: the vehicle gets its thread back while the batch is applied.
      await new Promise((r) => setTimeout(r, 1));
      return this.answer(messages);
    } finally {
      this.inFlight--;
    }
  }

  private answer(messages: VehicleMessage[]): DeliverResponse {
    if (this.down) throw new HubUnreachable('ECONNREFUSED');
    if (this.maxBatch !== null && messages.length > this.maxBatch) throw new AppError('MALFORMED_BATCH', '送信データの形が正しくありません');
    const cut = this.cutDelivery === null || this.cutDelivery === this.deliveries ? this.answerOnly : null;
    return {
      results: messages.slice(0, cut ?? messages.length).map((m) => {
        const first = this.answers.get(m.idempotencyKey);
        if (first) return { ...first, status: first.status === 'applied' ? ('duplicate' as const) : first.status };
        this.received.push(m);
        const answer = 'requestId' in m && this.refuse.has(m.requestId)
          ? { idempotencyKey: m.idempotencyKey, status: 'rejected' as const, code: 'UNKNOWN_REQUEST' }
          : { idempotencyKey: m.idempotencyKey, status: 'applied' as const };
        this.answers.set(m.idempotencyKey, answer);
        return answer;
      }),
    };
  }
  async inbox(after: number) {
    if (this.down) throw new HubUnreachable('ECONNREFUSED');
    const messages = this.inboxMessages.filter((m) => m.seq > after);
    return { messages, latestSeq: this.inboxMessages.at(-1)?.seq ?? 0 };
  }
  async ack(upTo: number) {
    this.acked = upTo;
  }
  /** While set, opening the push socket waits for it (a slow link's handshake). */
  listenGate: Promise<void> | null = null;
  listening = 0;
  async listen(): Promise<{ close(): void }> {
    this.listening++;
    await this.listenGate;
    throw new HubUnreachable('no push in this test');
  }
  async linkChallenge(): Promise<never> {
    throw new HubUnreachable('linking is tested against the real hub');
  }
  async linkComplete(): Promise<never> {
    throw new HubUnreachable('linking is tested against the real hub');
  }
}

let tmp: ReturnType<typeof tempDir>;
let hub: ScriptedHub;
let core: TerminalCore;
const { ok } = contractOn(() => core);
const keys = generateKeyPairSync('ed25519');
const clock = new ManualClock(new Date('2026-11-24T02:00:00.000Z'));
/** The sync loop's warnings, parsed: codes and counters only, never personal data. */
let warnings: Record<string, unknown>[] = [];
const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _enc, done) => (warnings.push(JSON.parse(String(chunk))), done()) }) });

async function queued(): Promise<string> {
  const { id } = await ok('createRequest', juminhyoRequest());
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'passport', last4: '9876' }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  return id;
}
const step = async (id: string) => (await ok('getRequest', { id })).step;

/** Many small outbox messages at once (an event each for new requests; the scripted hub checks no steps), in one commit. */
function queueEvents(n: number): string[] {
  const keys: string[] = [];
  core.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const { id: requestId } = core.requests.create(juminhyoRequest(), demoStaff.staffId);
      keys.push(core.outbox.enqueue(requestId, 'request.event', { requestId, event: 'CANCELLED', at: clock.now().toISOString() }));
    }
  })();
  return keys;
}

beforeEach(async () => {
  warnings = [];
  tmp = tempDir();
  hub = new ScriptedHub();
  core = new TerminalCore({
    dataDir: tmp.dir,
    keys: new KeyFileProvider(join(tmp.dir, 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'test-vehicle',
    clock,
    logger,
    hub: { transport: hub, printSigningKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), retry: { baseMs: 1, maxMs: 4 } },
  });
  core.staff.seedFromFile(staffFile);
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  tmp.remove();
});

describe('sync with city hall', () => {
  it('delivers a queued request with its personal fields, marks it relayed and empties the outbox', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    expect(hub.received).toHaveLength(1);
    expect(hub.received[0]).toMatchObject({ type: 'request.submit', requestId: id, number: '001', feeYen: 300, input: { subject: { name: '磐城 髙子' } } });
    expect(await step(id)).toBe('relayed');
    expect(await ok('getRelayStatus', {})).toMatchObject({ online: true, waiting: 0, setAside: 0 });
    expect(core.audit.forRequest(id).map((r) => r.action)).toContain('relay.delivered');
  });

  it('sends what is queued while the push socket is still opening at once, not at the next poll', async () => {
    let open!: () => void;
    hub.listenGate = new Promise<void>((r) => (open = r));
    core.sync!.start();
    for (let i = 0; i < 400 && hub.listening === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(hub.listening).toBe(1);
    // The handshake is under way; staff queue a request (the outbox kicks the loop).
    const id = await queued();
    open();
    for (let i = 0; i < 400 && hub.received.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(hub.received.map((m) => 'requestId' in m && m.requestId)).toEqual([id]);
  });

  it('keeps everything while the hub is unreachable, counts the attempts, and delivers in order once it is back', async () => {
    hub.down = true;
    const a = await queued();
    const b = await queued();
    await core.sync!.syncNow();
    expect(await ok('getRelayStatus', {})).toMatchObject({ online: false, waiting: 2 });
    expect(core.db.prepare('SELECT attempts FROM outbox ORDER BY seq').pluck().all()).toEqual([1, 1]);
    hub.down = false;
    await core.sync!.syncNow();
    expect(hub.received.map((m) => ('requestId' in m ? m.requestId : null))).toEqual([a, b]);
    expect(await ok('getRelayStatus', {})).toMatchObject({ online: true, waiting: 0 });
  });

  it('after a cycle that got something through, retries soon again however many cycles failed before', async () => {
    hub.down = true;
    await queued();
    for (let i = 0; i < 4; i++) await core.sync!.syncNow();
    const idle = warnings.filter((w) => w.msg === 'sync with city hall failed');
    expect(Math.max(...idle.map((w) => w.failures as number))).toBeGreaterThanOrEqual(4);
    expect(idle.every((w) => w.progressed === false && w.code === 'UNREACHABLE')).toBe(true);
    warnings = [];
    hub.down = false;
    hub.answerOnly = 1; // the link is back but cuts every answer after its first message
    await queued();
    await core.sync!.syncNow();
    const partial = warnings.find((w) => w.code === 'HUB_PARTIAL_ANSWER');
    expect(partial).toMatchObject({ failures: 1, progressed: true });
    expect(partial!.retryInMs as number).toBeLessThanOrEqual(1);
    expect(JSON.stringify(warnings)).not.toContain('磐城');
  });

  it('treats a duplicate answer as delivered, so a message the hub already had is not sent again', async () => {
    const id = await queued();
    const [pending] = core.outbox.pending();
    hub.answers.set(pending!.idempotencyKey, { idempotencyKey: pending!.idempotencyKey, status: 'applied' });
    await core.sync!.syncNow();
    expect(hub.received).toHaveLength(0);
    expect(await step(id)).toBe('relayed');
    expect(core.outbox.pending()).toEqual([]);
  });

  it('sets a refused message aside without blocking the messages behind it', async () => {
    const refused = await queued();
    const fine = await queued();
    hub.refuse.add(refused);
    await core.sync!.syncNow();
    expect(await step(refused)).toBe('queued');
    expect(await step(fine)).toBe('relayed');
    expect(await ok('getRelayStatus', {})).toMatchObject({ setAside: 1, waiting: 0 });
    expect(core.outbox.setAside()).toMatchObject([{ requestId: refused, code: 'UNKNOWN_REQUEST' }]);
  });

  it('sends a long outbox in batches of the contract’s size, one batch with the hub at a time, in order', async () => {
    const n = 2 * DELIVER_BATCH_MAX_MESSAGES + 7;
    const keys = queueEvents(n);
    await core.sync!.syncNow();
    expect(hub.batchSizes).toEqual([DELIVER_BATCH_MAX_MESSAGES, DELIVER_BATCH_MAX_MESSAGES, 7]);
    expect(hub.maxInFlight).toBe(1);
    expect(hub.received.map((m) => m.idempotencyKey)).toEqual(keys);
    expect(core.outbox.pending(n + 1)).toEqual([]);
    expect(core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'relay.delivered'").pluck().get()).toBe(n);
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });

  it('records the batch before a cut answer and sends the unanswered rest again, each message once at the hub', async () => {
    const n = 2 * DELIVER_BATCH_MAX_MESSAGES;
    const keys = queueEvents(n);
    hub.cutDelivery = 2;
    hub.answerOnly = 3;
    await core.sync!.syncNow();
    expect(warnings.find((w) => w.code === 'HUB_PARTIAL_ANSWER')).toMatchObject({ progressed: true });
    // The first batch and the answered head of the second are recorded; the rest waits in order.
    expect(core.outbox.pending(n).map((m) => m.idempotencyKey)).toEqual(keys.slice(DELIVER_BATCH_MAX_MESSAGES + 3));
    hub.cutDelivery = null;
    hub.answerOnly = null;
    await core.sync!.syncNow();
    expect(core.outbox.pending(n)).toEqual([]);
    expect(hub.received.map((m) => m.idempotencyKey)).toEqual(keys);
    expect(hub.maxInFlight).toBe(1);
  });

  it('goes back to batches of 100 when city hall refuses a larger batch whole (a hub from before larger batches)', async () => {
    const n = LEGACY_DELIVER_BATCH_MAX_MESSAGES * 2 + 1;
    const keys = queueEvents(n);
    hub.maxBatch = LEGACY_DELIVER_BATCH_MAX_MESSAGES;
    await core.sync!.syncNow();
    await core.sync!.syncNow();
    expect(hub.batchSizes).toEqual([n, LEGACY_DELIVER_BATCH_MAX_MESSAGES, LEGACY_DELIVER_BATCH_MAX_MESSAGES, 1]);
    expect(hub.received.map((m) => m.idempotencyKey)).toEqual(keys);
    expect(core.outbox.pending(n)).toEqual([]);
  });

  it('applies each inbox message once even when pulled twice, and acknowledges it', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    hub.inboxMessages = [{ seq: 1, body: { type: 'decision', requestId: id, decision: 'approved', operatorId: 'OP1', at: clock.now().toISOString() } }];
    await core.sync!.syncNow();
    await core.sync!.syncNow();
    expect(await step(id)).toBe('approved');
    expect(hub.acked).toBe(1);
    expect(core.audit.forRequest(id).filter((r) => r.action === 'request.approved')).toHaveLength(1);
  });

  it('shows a rejection with the operator reason, and an operator question to staff', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    const at = clock.now().toISOString();
    hub.inboxMessages = [
      { seq: 1, body: { type: 'question', requestId: id, text: '本籍地の記載は必要ですか？', operatorId: 'OP1', at } },
      { seq: 2, body: { type: 'decision', requestId: id, decision: 'rejected', reason: '該当する住民が見つかりません', operatorId: 'OP1', at } },
    ];
    await core.sync!.syncNow();
    const detail = await ok('getRequest', { id });
    expect(detail).toMatchObject({ step: 'rejected', reason: '該当する住民が見つかりません' });
    const questions = await ok<any[]>('listQuestions', {});
    expect(questions).toMatchObject([{ requestId: id, number: '001', text: '本籍地の記載は必要ですか？' }]);
    expect(await ok('markQuestionSeen', { seq: questions[0].seq })).toEqual([]);
  });

  it('never accepts a print job the hub did not sign, and skips malformed messages without stopping', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    const at = clock.now().toISOString();
    const pdf = Buffer.from('%PDF-1.4 forged');
    const sha256 = (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex');
    const forged = { type: 'print_job', jobId: 'job-forged-1', requestId: id, copies: 1, pdfBase64: pdf.toString('base64'), sha256, issuedAt: at };
    const otherKey = generateKeyPairSync('ed25519').privateKey;
    hub.inboxMessages = [
      { seq: 1, body: { type: 'decision', requestId: id, decision: 'approved', operatorId: 'OP1', at } },
      { seq: 2, body: { ...forged, signature: sign(null, Buffer.from(printJobSigningInput(forged, hub.vehicleId)), otherKey).toString('base64') } },
      { seq: 3, body: { type: 'no-such-thing', requestId: id } },
      { seq: 4, body: { type: 'question', requestId: id, text: '確認です', operatorId: 'OP1', at } },
      // City hall's own key, but the job was issued to another vehicle (copied into this inbox).
      { seq: 5, body: { ...forged, jobId: 'job-elsewhere-1', signature: sign(null, Buffer.from(printJobSigningInput({ ...forged, jobId: 'job-elsewhere-1' }, 'another-vehicle')), keys.privateKey).toString('base64') } },
    ];
    await core.sync!.syncNow();
    const outcomes = core.db.prepare('SELECT seq, outcome FROM hub_inbox_applied ORDER BY seq').all();
    expect(outcomes).toEqual([
      { seq: 1, outcome: 'applied' },
      { seq: 2, outcome: 'rejected:BAD_SIGNATURE' },
      { seq: 3, outcome: 'rejected:MALFORMED' },
      { seq: 4, outcome: 'applied' },
      { seq: 5, outcome: 'rejected:BAD_SIGNATURE' },
    ]);
    expect(hub.acked).toBe(5);
    expect(core.db.prepare('SELECT COUNT(*) FROM print_jobs').pluck().get()).toBe(0);
  });

  it('pins the print-job signing input: a request’s job signs v2 as before, a り災証明書’s job v3 with its application', () => {
    const job = { jobId: 'job-1', requestId: 'req-1', copies: 2, sha256: 'ab'.repeat(32), issuedAt: '2026-11-25T03:00:00.000Z' };
    expect(printJobSigningInput(job, 'car-1')).toBe(['odekake-print-job-v2', 'car-1', 'job-1', 'req-1', '2', 'ab'.repeat(32), '', '2026-11-25T03:00:00.000Z'].join('\n'));
    expect(printJobSigningInput({ ...job, reprintOf: 'job-0' }, 'car-1')).toBe(['odekake-print-job-v2', 'car-1', 'job-1', 'req-1', '2', 'ab'.repeat(32), 'job-0', '2026-11-25T03:00:00.000Z'].join('\n'));
    expect(printJobSigningInput({ ...job, requestId: 'app-1', risaiApplicationId: 'app-1' }, 'car-1')).toBe(
      ['odekake-print-job-v3', 'car-1', 'job-1', 'app-1', '2', 'ab'.repeat(32), '', '2026-11-25T03:00:00.000Z', 'app-1'].join('\n'),
    );
  });

  it('never prints a り災証明書 job that is not city hall’s, for this vehicle’s application, as signed', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    const at = clock.now().toISOString();
    const pdf = Buffer.from('%PDF-1.4 risai');
    const sha256 = (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex');
    const signed = (job: Record<string, unknown>, key = keys.privateKey) =>
      ({ ...job, signature: sign(null, Buffer.from(printJobSigningInput(job as never, hub.vehicleId)), key).toString('base64') });
    const risai = { type: 'print_job', jobId: 'job-risai-1', requestId: 'app-risai-1', risaiApplicationId: 'app-risai-1', copies: 1, pdfBase64: pdf.toString('base64'), sha256, issuedAt: at };
    const requestJob = signed({ type: 'print_job', jobId: 'job-req-1', requestId: id, copies: 1, pdfBase64: pdf.toString('base64'), sha256, issuedAt: at });
    const genuine = signed(risai);
    hub.inboxMessages = [
      // A request's job (v2) passed off as a り災証明書's.
      { seq: 1, body: { ...requestJob, risaiApplicationId: id } },
      // A り災証明書's job (v3) with its application taken off.
      { seq: 2, body: { ...genuine, risaiApplicationId: undefined } },
      // Another key; another document; the request and the application not the same id.
      { seq: 3, body: signed(risai, generateKeyPairSync('ed25519').privateKey) },
      { seq: 4, body: { ...genuine, pdfBase64: Buffer.from('%PDF-1.4 other').toString('base64') } },
      { seq: 5, body: signed({ ...risai, jobId: 'job-risai-2', requestId: id }) },
      // City hall's own job passes the checks and reaches the printing service (this terminal has no printer).
      { seq: 6, body: genuine },
    ];
    await core.sync!.syncNow();
    expect(core.db.prepare('SELECT seq, outcome FROM hub_inbox_applied ORDER BY seq').all()).toEqual([
      { seq: 1, outcome: 'rejected:BAD_SIGNATURE' },
      { seq: 2, outcome: 'rejected:UNKNOWN_REQUEST' },
      { seq: 3, outcome: 'rejected:BAD_SIGNATURE' },
      { seq: 4, outcome: 'rejected:BAD_SIGNATURE' },
      { seq: 5, outcome: 'rejected:BAD_SIGNATURE' },
      { seq: 6, outcome: 'ignored:PRINTER_NOT_CONFIGURED' },
    ]);
    expect(core.db.prepare('SELECT COUNT(*) FROM print_jobs').pluck().get()).toBe(0);
  });

  it('purges the personal data of a request once city hall has its handover, keeping the audit trail', async () => {
    const id = await queued();
    await core.sync!.syncNow();
    const at = clock.now().toISOString();
    hub.inboxMessages = [{ seq: 1, body: { type: 'decision', requestId: id, decision: 'approved', operatorId: 'OP1', at } }];
    await core.sync!.syncNow();
    for (const e of [{ type: 'PRINTED' }, { type: 'CHECK_OK' }] as const) core.requests.applyExternal(id, e, 'system');
    await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 300 } });
    await ok('handOver', { id });
    await core.sync!.syncNow();
    expect(hub.received.map((m) => (m.type === 'request.event' ? m.event : m.type))).toEqual(['request.submit', 'PRINTED', 'CHECK_OK', 'PAID', 'HANDED_OVER']);
    const row = core.db.prepare('SELECT personal_sealed, identity_sealed, purged_at, step FROM requests WHERE id = ?').get(id) as any;
    expect(row).toMatchObject({ personal_sealed: null, identity_sealed: null, step: 'handed_over' });
    expect(row.purged_at).not.toBeNull();
    expect((await core.call('staff', 'getRequest', { id }))).toMatchObject({ ok: false, error: { code: 'PERSONAL_DATA_PURGED' } });
    expect(core.audit.forRequest(id).map((r) => r.action)).toContain('personal.purged');
    expect(core.audit.verify()).toMatchObject({ ok: true });
  });
});
