// The vehicle's side of sync with city hall. Outbox messages go out in order with their idempotency
// keys; the hub's answer decides each one (delivered, or set aside when refused). Decisions and print
// jobs come back over the push channel and from the numbered inbox on every reconnect; each inbox
// number is applied once, in the same transaction as its effect. Failures back off exponentially
// with jitter, counted only while nothing gets through: a flaky link that still moves messages retries
// soon. Nothing is lost and nothing blocks the queue behind it.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import {
  DELIVER_BATCH_MAX_BYTES,
  DELIVER_BATCH_MAX_MESSAGES,
  HubMessageBody,
  LEGACY_DELIVER_BATCH_MAX_MESSAGES,
  printJobSigningInput,
  type DeliverResponse,
  type HubEnvelope,
  type HubMessageBody as HubMessage,
  type PrintJobMessage,
} from '../../protocol/hub';
import type { RelayStatus } from '../../protocol/ipc';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { FieldCipher } from './crypto';
import type { Db } from './db';
import { AppError, TransitionError } from './errors';
import type { HubTransport, OutgoingMessage } from './hub-transport';
import type { Logger } from '../../common/logger';
import type { Outbox, OutboxMessage } from './outbox';
import type { PrintService } from './printing';
import type { HubQuestions } from './hub-questions';
import type { RequestService } from './requests';
import { VisitOutcomePayload } from './home-visits';
import { FollowUpPayload } from './next-visit';
import { outingRecordMessage } from './outings';
import { RisaiApplicationMessage, RisaiHandedOverMessage } from '../../protocol/disaster';

export interface SyncOptions {
  db: Db;
  requests: RequestService;
  outbox: Outbox;
  audit: AuditLog;
  printing: PrintService;
  questions: HubQuestions;
  cipher: FieldCipher;
  clock: Clock;
  logger: Logger;
  transport: HubTransport;
  /** PEM of the hub's Ed25519 print-signing key, from enrollment. */
  printSigningKey: string;
  /** Told when city hall holds a visit's outcome, inside the transaction that records it (the visit's personal data goes). */
  visitOutcomeDelivered?(bookingId: string): void;
  /** City hall holds an outing's record. Called inside the sync's transaction. */
  outingRecordDelivered?(outingId: string): void;
  /**
   * Transfers that follow the outbox in each cycle (a り災証明書 application's photos, in chunks):
   * `progress` is called whenever a step got through; a throw counts as the cycle failing.
   */
  uploads?(progress: () => void): Promise<void>;
  /** Told after anything staff should see changed (requests, waiting count, questions). */
  onChange(requestIds: string[]): void;
  /** Backoff: first retry after about baseMs, doubling with each cycle that moved nothing, up to maxMs. */
  retry?: { baseMs: number; maxMs: number };
  /** While online, pull the inbox this often in case a pushed message was missed. */
  pollMs?: number;
  random?: () => number;
}

/** Hub messages per inbox page: a print job carries its PDF, and a weak link cuts long answers. */
const INBOX_PAGE = 10;
const EventPayload = z.object({ requestId: z.string(), event: z.enum(['PRINTED', 'CHECK_OK', 'CHECK_SPOILED', 'PAID', 'HANDED_OVER', 'CANCELLED']), at: z.string() });
const ReprintPayload = z.object({ reprintRequestId: z.string(), jobId: z.string(), requestId: z.string(), reason: z.string(), staffId: z.string(), at: z.string() });

/**
 * When to try again after a failed sync cycle. Only failures in a row that moved nothing count: a
 * cycle that delivered a batch or applied an inbox message shows the link works, so the next try
 * comes after about baseMs again, however many cycles failed before: a vehicle on a flaky link
 * (messages getting through between cuts) must not sit at the ceiling once the link is good again.
 */
export class SyncBackoff {
  private idleFailures = 0;

  constructor(
    private readonly retry: { baseMs: number; maxMs: number },
    private readonly random: () => number,
  ) {}

  /** A cycle failed; returns the delay before the next one. */
  failed(progressed: boolean): number {
    this.idleFailures = progressed ? 1 : this.idleFailures + 1;
    const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (this.idleFailures - 1));
    // Jitter keeps a fleet of vehicles coming back from the same dead zone from retrying in step.
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  succeeded(): void {
    this.idleFailures = 0;
  }

  get failures(): number {
    return this.idleFailures;
  }
}

/** A handful of vehicles: a retry every 30 s at worst costs the hub nothing and staff no long wait. */
const DEFAULT_RETRY = { baseMs: 2_000, maxMs: 30_000 };

/** Outbox rows and the messages built from them, in the same order. */
interface OutgoingBatch {
  rows: OutboxMessage[];
  messages: OutgoingMessage[];
}

/** Whether the hub answered every message of the batch (a cut answer leaves the rest to retry). */
function answeredInFull(batch: OutgoingBatch, response: DeliverResponse): boolean {
  const keys = new Set(response.results.map((r) => r.idempotencyKey));
  return batch.rows.every((m) => keys.has(m.idempotencyKey));
}

export class SyncService {
  private online = false;
  private readonly backoff: SyncBackoff;
  /** Whether the cycle in flight delivered or applied anything: the link worked at least for that. */
  private progressed = false;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private socket: { close(): void } | null = null;
  private stopped = true;
  private readonly signingKey;
  private readonly applied;
  private readonly lastApplied;
  private readonly relayRow;
  private batchLimit = DELIVER_BATCH_MAX_MESSAGES;

  constructor(private readonly o: SyncOptions) {
    this.backoff = new SyncBackoff(o.retry ?? DEFAULT_RETRY, o.random ?? Math.random);
    this.signingKey = createPublicKey(o.printSigningKey);
    this.applied = o.db.prepare('INSERT INTO hub_inbox_applied (seq, type, request_id, outcome, applied_at) VALUES (?, ?, ?, ?, ?)');
    this.lastApplied = o.db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM hub_inbox_applied');
    this.relayRow = o.db.prepare<[string], { day: string; staff_id: string }>('SELECT day, staff_id FROM requests WHERE id = ?');
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops the loop and waits for a cycle in flight, so the store is not closed under it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
    await this.running?.catch(() => undefined);
  }

  status(): Pick<RelayStatus, 'online'> {
    return { online: this.online };
  }

  /** Something new waits in the outbox, or the network may be back: sync now. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.cycle().finally(() => {
      this.running = null;
    });
  }

  /** For tests and tools: one full cycle, awaited. */
  async syncNow(): Promise<void> {
    if (this.running) await this.running;
    await this.cycle();
  }

  private async cycle(): Promise<void> {
    this.progressed = false;
    try {
      do {
        this.again = false;
        await this.deliverAll();
        // The inbox and the uploads side by side: a long upload cut by the link never holds up the
        // decisions and print jobs, and they cost the upload no round trip. Both finish before the cycle does.
        const [inbox, uploads] = await Promise.allSettled([this.pullInbox(), this.o.uploads?.(() => (this.progressed = true))]);
        if (inbox.status === 'rejected') throw inbox.reason;
        if (uploads.status === 'rejected') throw uploads.reason;
        if (!this.again) {
          this.setOnline(true);
          this.backoff.succeeded();
          // Opening the socket takes round trips on a slow link: what is queued meanwhile goes in
          // another round now, not at the next poll.
          await this.ensureSocket();
        }
      } while (this.again);
      this.schedule(this.o.pollMs ?? 60_000);
    } catch (e) {
      this.setOnline(false);
      const delay = this.backoff.failed(this.progressed);
      this.o.logger.warn(
        { failures: this.backoff.failures, progressed: this.progressed, retryInMs: Math.round(delay), code: e instanceof AppError ? e.code : 'UNREACHABLE' },
        'sync with city hall failed',
      );
      this.schedule(delay);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref();
  }

  private setOnline(online: boolean): void {
    if (this.online !== online) {
      this.online = online;
      this.o.onChange([]);
    }
  }

  private async ensureSocket(): Promise<void> {
    if (this.socket || this.stopped) return;
    try {
      this.socket = await this.o.transport.listen(
        (envelope) => void this.onPushed(envelope),
        () => {
          this.socket = null;
          this.kick();
        },
        this.lastApplied.get()?.seq ?? 0,
      );
    } catch {
      // The inbox poll still brings everything; the socket is retried on the next cycle.
      this.socket = null;
    }
  }

  private async onPushed(envelope: HubEnvelope): Promise<void> {
    if (this.stopped) return;
    try {
      await this.applyPushed(envelope);
    } catch (e) {
      // The inbox pull brings it again; a pushed message is never the only copy.
      this.o.logger.warn({ seq: envelope.seq, err: e instanceof Error ? e.message : String(e) }, 'pushed message not applied');
      this.kick();
    }
  }

  private async applyPushed(envelope: HubEnvelope): Promise<void> {
    const last = this.lastApplied.get()?.seq ?? 0;
    // A gap means something was missed: let the inbox pull bring them in order.
    if (envelope.seq !== last + 1) {
      this.kick();
      return;
    }
    this.applyEnvelope(envelope);
    try {
      await this.o.transport.ack(envelope.seq);
    } catch {
      this.kick();
    }
  }

  /**
   * Sends the outbox in order, in batches, until it is empty. Throws when the hub cannot be reached.
   * One batch at a time is with the hub, and the next is sent only once the one before is answered
   * in full. The hub is another machine: while it applies a batch, the vehicle records the answer to
   * the one before and builds the next, so neither side waits for the other's work.
   */
  private async deliverAll(): Promise<void> {
    let batch = this.nextBatch(0);
    let answered: { batch: OutgoingBatch; response: DeliverResponse } | null = null;
    while (batch.messages.length > 0) {
      const sent = this.send(batch);
      // Handled below; without this a quick refusal would count as unhandled during the work in between.
      sent.catch(() => undefined);
      // Let the request reach the socket before this thread is busy with the work below.
      await new Promise((resolve) => setImmediate(resolve));
      let next: OutgoingBatch;
      try {
        if (answered) this.recordAnswers(answered.batch, answered.response);
        answered = null;
        next = this.nextBatch(batch.rows.at(-1)!.seq);
      } catch (e) {
        // The batch in flight is answered but not recorded: it is sent again and answered as a duplicate.
        await sent.catch(() => undefined);
        throw e;
      }
      const response = await sent;
      if (!answeredInFull(batch, response)) {
        this.recordAnswers(batch, response);
        throw new AppError('HUB_PARTIAL_ANSWER', '市役所ハブの応答が途中で切れました。あとで再送します。');
      }
      answered = { batch, response };
      batch = next;
    }
    if (answered) this.recordAnswers(answered.batch, answered.response);
  }

  /** The next messages after `afterSeq`, at most the contract's count and bytes (one always goes, whatever its size). */
  private nextBatch(afterSeq: number): OutgoingBatch {
    const rows = this.o.outbox.pending(this.batchLimit, afterSeq);
    const messages: OutgoingMessage[] = [];
    let bytes = 0;
    for (const m of rows) {
      const message = this.build(m);
      bytes += Buffer.byteLength(JSON.stringify(message)) + 1;
      if (messages.length > 0 && bytes > DELIVER_BATCH_MAX_BYTES) break;
      messages.push(message);
    }
    return { rows: rows.slice(0, messages.length), messages };
  }

  private async send(batch: OutgoingBatch): Promise<DeliverResponse> {
    try {
      const head = this.o.audit.head();
      return await this.o.transport.deliver(batch.messages, head ?? undefined);
    } catch (e) {
      const code = e instanceof AppError ? e.code : 'UNREACHABLE';
      // A hub from before larger batches refuses them whole: keep to its size from now on.
      if (code === 'MALFORMED_BATCH' && this.batchLimit > LEGACY_DELIVER_BATCH_MAX_MESSAGES) {
        this.batchLimit = LEGACY_DELIVER_BATCH_MAX_MESSAGES;
        this.o.logger.warn({ batchLimit: this.batchLimit }, 'city hall refused the batch size; sending smaller batches');
      }
      this.o.outbox.attemptFailed(batch.rows.map((m) => m.seq), code);
      throw e;
    }
  }

  /** One transaction per answered batch: each message delivered (or set aside) with its audit record. */
  private recordAnswers(batch: OutgoingBatch, response: DeliverResponse): void {
    const byKey = new Map(response.results.map((r) => [r.idempotencyKey, r]));
    const changed = new Set<string>();
    let answered = 0;
    this.o.db.transaction(() => {
      for (const m of batch.rows) {
        const result = byKey.get(m.idempotencyKey);
        // The hub answers in order; an unanswered message and those after it are retried.
        if (!result) break;
        answered++;
        // A visit's or a follow-up's id is not a request's: audited by its own name.
        const aboutRequest = !m.kind.startsWith('visit.') && !m.kind.startsWith('outing.') && !m.kind.startsWith('risai.');
        const subject = aboutRequest ? { requestId: m.requestId } : {};
        const subjectDetail: Record<string, string> = aboutRequest ? {} : { subjectId: m.requestId };
        if (aboutRequest) changed.add(m.requestId);
        if (result.status === 'rejected') {
          this.o.outbox.reject(m.seq, result.code ?? 'REJECTED');
          this.o.audit.append({ actor: 'system', action: 'relay.rejected', ...subject, detail: { kind: m.kind, code: result.code ?? 'REJECTED', ...subjectDetail } });
          continue;
        }
        this.o.outbox.delivered(m.seq);
        this.o.audit.append({ actor: 'system', action: 'relay.delivered', ...subject, detail: { kind: m.kind, duplicate: result.status === 'duplicate', ...subjectDetail } });
        this.afterDelivery(m);
      }
      this.o.outbox.markSynced();
    })();
    if (answered > 0) this.progressed = true;
    this.o.onChange([...changed]);
  }

  private build(m: OutboxMessage): OutgoingMessage {
    switch (m.kind) {
      case 'request.submit': {
        const detail = this.o.requests.relayContent(m.requestId);
        const row = this.relayRow.get(m.requestId)!;
        return {
          type: 'request.submit',
          idempotencyKey: m.idempotencyKey,
          requestId: m.requestId,
          number: detail.number,
          day: row.day,
          input: detail.input,
          identity: detail.identity,
          feeYen: detail.feeYen,
          staffId: row.staff_id,
          sentAt: this.o.clock.now().toISOString(),
        };
      }
      case 'request.event': {
        const e = EventPayload.parse(m.payload);
        return { type: 'request.event', idempotencyKey: m.idempotencyKey, requestId: e.requestId, event: e.event, at: e.at };
      }
      case 'print.reprint_request': {
        const r = ReprintPayload.parse(m.payload);
        return { type: 'print.reprint_request', idempotencyKey: m.idempotencyKey, ...r };
      }
      case 'visit.outcome':
        return { type: 'visit_outcome', idempotencyKey: m.idempotencyKey, ...VisitOutcomePayload.parse(m.payload) };
      case 'visit.follow_up':
        return { type: 'follow_up', idempotencyKey: m.idempotencyKey, ...FollowUpPayload.parse(m.payload) };
      case 'outing.record':
        return outingRecordMessage(m.idempotencyKey, m.payload);
      case 'risai.application':
        return { ...RisaiApplicationMessage.omit({ idempotencyKey: true }).parse(m.payload), idempotencyKey: m.idempotencyKey };
      case 'risai.handed_over':
        return { ...RisaiHandedOverMessage.omit({ idempotencyKey: true }).parse(m.payload), idempotencyKey: m.idempotencyKey };
    }
  }

  private afterDelivery(m: OutboxMessage): void {
    if (m.kind === 'visit.outcome') {
      this.o.visitOutcomeDelivered?.(m.requestId);
      return;
    }
    if (m.kind === 'outing.record') {
      this.o.outingRecordDelivered?.(m.requestId);
      return;
    }
    if (m.kind === 'request.submit') {
      this.o.requests.markRelayedIn(m.requestId);
      return;
    }
    if (m.kind === 'request.event' && EventPayload.parse(m.payload).event === 'HANDED_OVER') {
      // City hall holds the handover: the vehicle keeps no personal data of this request.
      this.o.requests.purgePersonal(m.requestId, 'system');
      this.o.questions.forgetRequest(m.requestId);
    }
  }

  /** Pulls the inbox in small pages until it is empty, applying each message once, then acknowledges. */
  private async pullInbox(): Promise<void> {
    const first = this.lastApplied.get()?.seq ?? 0;
    let last = first;
    for (;;) {
      const { messages } = await this.o.transport.inbox(last, INBOX_PAGE);
      const ordered = messages.filter((m) => m.seq > last).sort((a, b) => a.seq - b.seq);
      for (const envelope of ordered) {
        this.applyEnvelope(envelope);
        last = envelope.seq;
        this.progressed = true;
      }
      if (messages.length < INBOX_PAGE || ordered.length === 0) break;
    }
    if (last > first) await this.o.transport.ack(last);
  }

  /** Applies one hub message exactly once: the inbox number is recorded with the effect. */
  private applyEnvelope(envelope: HubEnvelope): void {
    const parsed = HubMessageBody.safeParse(envelope.body);
    const at = this.o.clock.now().toISOString();
    let requestId: string | null = null;
    let print: string | null = null;
    this.o.db.transaction(() => {
      const known = this.o.db.prepare('SELECT 1 FROM hub_inbox_applied WHERE seq = ?').get(envelope.seq);
      if (known) return;
      if (!parsed.success) {
        this.applied.run(envelope.seq, 'unknown', null, 'rejected:MALFORMED', at);
        this.o.audit.append({ actor: 'hub', action: 'hub.message_rejected', detail: { seq: envelope.seq, code: 'MALFORMED' } });
        this.o.logger.warn({ seq: envelope.seq }, 'malformed message from city hall set aside');
        return;
      }
      const body = parsed.data;
      requestId = 'requestId' in body && !(body.type === 'print_job' && body.risaiApplicationId) ? body.requestId : null;
      const outcome = this.applyBody(body, envelope.seq);
      if (outcome.printJob) print = outcome.printJob;
      this.applied.run(envelope.seq, body.type, requestId, outcome.result, at);
    })();
    if (print) void this.o.printing.run(print).catch((e: unknown) => this.o.logger.error({ err: String(e) }, 'certificate print failed'));
    this.o.onChange(requestId ? [requestId] : []);
  }

  private applyBody(body: HubMessage, seq: number): { result: string; printJob?: string } {
    if (body.type === 'print_job' && body.risaiApplicationId) return this.applyRisaiPrintJob({ ...body, risaiApplicationId: body.risaiApplicationId }, seq);
    const exists = 'requestId' in body && this.o.db.prepare('SELECT 1 FROM requests WHERE id = ?').get(body.requestId) !== undefined;
    if (!exists) {
      this.o.audit.append({ actor: 'hub', action: 'hub.message_rejected', detail: { seq, code: 'UNKNOWN_REQUEST' } });
      return { result: 'rejected:UNKNOWN_REQUEST' };
    }
    try {
      switch (body.type) {
        case 'decision':
          this.o.requests.applyExternal(
            body.requestId,
            body.decision === 'approved' ? { type: 'APPROVED' } : { type: 'REJECTED', reason: body.reason ?? '' },
            'hub',
            body.decision === 'rejected' ? (body.reason ?? '市役所で却下されました。') : undefined,
          );
          return { result: 'applied' };
        case 'question':
          this.o.questions.record({ seq, requestId: body.requestId, text: body.text, operatorId: body.operatorId, askedAt: body.at });
          return { result: 'applied' };
        case 'print_job': {
          const pdf = Buffer.from(body.pdfBase64, 'base64');
          if (!this.signedByHub(body, pdf)) {
            // Only a document city hall signed is ever printed.
            this.o.audit.append({ actor: 'hub', action: 'hub.message_rejected', requestId: body.requestId, detail: { seq, code: 'BAD_SIGNATURE' } });
            return { result: 'rejected:BAD_SIGNATURE' };
          }
          const job = this.o.printing.acceptCertificate({
            requestId: body.requestId,
            jobId: body.jobId,
            pdf,
            copies: body.copies,
            ...(body.reprintOf ? { reprintOf: body.reprintOf } : {}),
          });
          return { result: 'applied', printJob: job.id };
        }
        case 'reprint_decision':
          this.o.printing.reprintDecided(body.reprintRequestId, body.approved, body.operatorId);
          return { result: 'applied' };
      }
    } catch (e) {
      // A message the request's current step cannot take (cancelled meanwhile…) is recorded, not retried.
      if (e instanceof TransitionError || e instanceof AppError) {
        this.o.audit.append({ actor: 'hub', action: 'hub.message_ignored', requestId: body.requestId, detail: { seq, code: e.code } });
        return { result: `ignored:${e.code}` };
      }
      throw e;
    }
  }

  /** Only a document city hall signed, for this vehicle, with the hash it carries, is ever printed. */
  private signedByHub(body: PrintJobMessage, pdf: Buffer): boolean {
    const sha = createHash('sha256').update(pdf).digest('hex');
    return sha === body.sha256 && verify(null, Buffer.from(printJobSigningInput(body, this.o.transport.vehicleId)), this.signingKey, Buffer.from(body.signature, 'base64'));
  }

  /** A り災証明書 for one of this vehicle's applications: verified the same way, queued once on the certificate printer. */
  private applyRisaiPrintJob(body: PrintJobMessage & { risaiApplicationId: string }, seq: number): { result: string; printJob?: string } {
    const pdf = Buffer.from(body.pdfBase64, 'base64');
    if (body.requestId !== body.risaiApplicationId || !this.signedByHub(body, pdf)) {
      this.o.audit.append({ actor: 'hub', action: 'hub.message_rejected', detail: { seq, code: 'BAD_SIGNATURE', applicationId: body.risaiApplicationId } });
      return { result: 'rejected:BAD_SIGNATURE' };
    }
    try {
      const job = this.o.printing.acceptRisaiCertificate({ applicationId: body.risaiApplicationId, jobId: body.jobId, pdf });
      return { result: 'applied', printJob: job.id };
    } catch (e) {
      if (e instanceof AppError) {
        this.o.audit.append({ actor: 'hub', action: 'hub.message_ignored', detail: { seq, code: e.code, applicationId: body.risaiApplicationId } });
        return { result: `ignored:${e.code}` };
      }
      throw e;
    }
  }
}
