// The hub's side of outbox delivery: each vehicle message is validated, then applied exactly once in
// its own transaction together with its idempotency key and the answer given; a repeat of an applied
// key gets that answer again. A message that is malformed, of an unknown type, or not possible in the
// request's current step is rejected with a code and kept aside (dead letter) — never blocking the
// messages behind it.
import { z } from 'zod';
import {
  DeliverBatch, DELIVER_BATCH_MAX_MESSAGES, hubErrorMessages, type AuditHead, IdempotencyKey, VehicleMessage,
  type DeliverResponse, type DeliveryResult,
} from '../../protocol/hub';
import type { RequestStep } from '../../protocol/domain';
import { formatJapaneseDate } from '../../protocol/visit-calendar';
import { outcomeNeedsReason, type VisitOutcome } from '../../protocol/visits';
import { BookingResident } from '../../protocol/bookings';
import { newId as defaultNewId, type IdGenerator } from '../../common/ids';
import { followUpNotice } from './booking-notices';
import { dailyCloseRows } from './daily-closes';
import { outingRows } from './records';
import { reprintableSteps, stepAfterVehicleEvent } from '../../protocol/workflow';
import type { Clock } from '../clock';
import { badRequest, forbidden, HubError, unauthorized } from '../errors';
import type { Logger } from '../../common/logger';
import type { AppliedMessageRow, AuditEntry, HubStore, HubTx, RequestEventRow, RequestRow } from '../store/types';
import type { PushHub } from './push';
import { readInbox } from './inbox';
import { applyRisaiApplication } from './risai';
import { risaiErrorMessages } from '../../protocol/disaster';
import type { HubSealer } from './sealing';
import { feeFor } from '../../protocol/fees';
import type { FeeTable } from '../../protocol/ipc';

/** Hub-side rejection codes beyond the contract's own. */
export const hubSyncMessages = {
  ...hubErrorMessages,
  REQUEST_ID_CONFLICT: 'ほかの車両の受付と番号が重なっています。管理者が確認します。',
  FEE_MISMATCH: '手数料が市役所の手数料表と合いません。車両の手数料表が古い可能性があります。管理者が確認します。',
  UNKNOWN_DISASTER: risaiErrorMessages.UNKNOWN_DISASTER,
} as const;
type RejectCode = keyof typeof hubSyncMessages;

class Rejection extends Error {
  constructor(
    readonly code: RejectCode,
    readonly problem: string,
  ) {
    super(code);
  }
}

/** The contract's message types, read from the union itself so a new type is never refused as unknown. */
const knownTypes = new Set<string>(VehicleMessage.options.map((o) => o.shape.type.value));
const DEAD_LETTER_MAX = 64 * 1024;

type Notice = { type: string; requestId?: string };

/**
 * Every notice makes each console re-read its queue, and on PostgreSQL each is a NOTIFY of its own:
 * a large batch tells the consoles once per kind of change instead of once per message.
 */
const NOTICES_PER_BATCH = 10;
function coalesced(notices: Notice[]): Notice[] {
  if (notices.length <= NOTICES_PER_BATCH) return notices;
  return [...new Set(notices.map((n) => n.type))].map((type) => ({ type }));
}

/** One message of a batch as received: its key if well-formed, and either the parsed message or why it is refused. */
type ValidatedMessage = { raw: unknown; key: string | null; echoKey: string } & ({ message: VehicleMessage; rejection?: never } | { message?: never; rejection: Rejection });

function validated(raw: unknown): ValidatedMessage {
  const rawKey = typeof raw === 'object' && raw !== null && 'idempotencyKey' in raw ? (raw as { idempotencyKey: unknown }).idempotencyKey : undefined;
  const key = IdempotencyKey.safeParse(rawKey).success ? (rawKey as string) : null;
  const echoKey = key ?? (typeof rawKey === 'string' ? rawKey.slice(0, 64) : '');
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !knownTypes.has(type)) {
    return { raw, key, echoKey, rejection: new Rejection('UNKNOWN_MESSAGE_TYPE', `type=${typeof type === 'string' ? type.slice(0, 40) : typeof type}`) };
  }
  const parsed = VehicleMessage.safeParse(raw);
  if (!parsed.success || !key) {
    const paths = parsed.success ? ['idempotencyKey'] : [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    return { raw, key, echoKey, rejection: new Rejection('MALFORMED_MESSAGE', `fields=${paths.slice(0, 10).join(',')}`) };
  }
  return { raw, key, echoKey, message: parsed.data };
}

type SubmitMessage = Extract<VehicleMessage, { type: 'request.submit' }>;
type EventMessage = Extract<VehicleMessage, { type: 'request.event' }>;
/** Messages about visits and outings: no request rows, applied one by one even inside a bulk batch. */
type VisitMessage = Extract<VehicleMessage, { type: 'visit_outcome' | 'follow_up' | 'outing.record' }>;
const isVisitMessage = (m: VehicleMessage): m is VisitMessage => m.type === 'visit_outcome' || m.type === 'follow_up' || m.type === 'outing.record';

/** What a relayed request writes: its row, its first event and its audit record. */
function relayedRecords(vehicleId: string, m: SubmitMessage, at: string): { row: RequestRow; event: RequestEventRow; audit: AuditEntry } {
  return {
    row: {
      id: m.requestId, vehicleId, number: m.number, day: m.day, kind: m.input.kind, copies: m.input.copies, feeYen: m.feeYen,
      step: 'relayed', input: JSON.stringify(m.input), identity: m.identity ? JSON.stringify(m.identity) : null,
      staffId: m.staffId, sentAt: m.sentAt, receivedAt: at, updatedAt: at,
    },
    event: { requestId: m.requestId, event: 'RELAYED', step: 'relayed', actor: m.staffId, at, reason: null },
    audit: { actor: m.staffId, action: 'request.relayed', requestId: m.requestId, place: vehicleId, detail: { kind: m.input.kind, copies: m.input.copies } },
  };
}

/** What a step the vehicle took writes besides the request's new step: its event and its audit record. */
function stepRecords(vehicleId: string, m: EventMessage, next: RequestStep): { event: RequestEventRow; audit: AuditEntry } {
  return {
    event: { requestId: m.requestId, event: m.event, step: next, actor: m.staffId ?? vehicleId, at: m.at, reason: m.reason ?? null },
    audit: { actor: m.staffId ?? vehicleId, action: `request.${m.event.toLowerCase()}`, requestId: m.requestId, place: vehicleId, detail: { step: next } },
  };
}

/**
 * A handed-over or cancelled request can no longer be reprinted (approvals.ts), so the certificate's PDF —
 * some carry the 個人番号 — has served its purpose: the hub keeps its serial, its hash and its
 * verification code, not the document.
 */
const documentEnds = (step: RequestStep) => step === 'handed_over' || step === 'cancelled';

async function dropEndedDocuments(tx: HubTx, vehicleId: string, requestIds: string[], at: string): Promise<void> {
  if (requestIds.length === 0) return;
  const dropped = await tx.dropDocumentPdfs(requestIds);
  await tx.appendAudits(dropped.map((requestId) => ({ entry: { actor: 'hub', action: 'document.pdf_dropped', requestId, place: vehicleId }, at })));
}

/** A message of a batch the bulk path can apply. */
type BulkMessage = { key: string; message: SubmitMessage | EventMessage | VisitMessage };

/** The vehicle a TLS peer is, as the handshake presented it. */
export interface PeerCertificate {
  authorized: boolean;
  fingerprint256: string | null;
  commonName: string | null;
}

/** What a batch does once committed: console notices, and warnings for the messages set aside. */
interface AfterCommit {
  notices: Notice[];
  rejections: { code: RejectCode; problem: string; key: string | null }[];
}

/** What the call-back item says of a vehicle's next-visit task (no name: that is the item's contact). */
const followUpMessages: Record<Extract<VehicleMessage, { type: 'follow_up' }>['kind'], string> = {
  insurance_link: 'マイナ保険証の紐付けは、車両から市役所につながらずできませんでした。次回の訪問の日程をご相談ください。',
};

/** Outcomes after which the dispatcher calls the resident back, by the word the call-back item uses. */
const callBackAfter: Record<VisitOutcome, string | null> = { done: null, absent: 'ご不在', postponed: '延期', cancelled: null };

export const InboxQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(100).default(50) });

export class VehicleSync {
  /** The last audit-chain head each vehicle sent to this process. */
  private readonly heads = new Map<string, AuditHead>();

  constructor(
    private readonly deps: { store: HubStore; clock: Clock; log: Logger; push: PushHub; sealer: HubSealer; ids?: IdGenerator; fees?: FeeTable },
  ) {}

  /**
   * Names the vehicle behind a client certificate, or refuses it: no certificate, one not issued by
   * this hub, one the hub does not know, or one revoked. Every refusal is audited.
   */
  async authenticate(peer: PeerCertificate, route: string): Promise<string> {
    const { store, clock, log } = this.deps;
    const at = clock.now().toISOString();
    // A refusal is committed with its audit record first, then thrown.
    const outcome = await store.transaction(async (tx): Promise<{ vehicleId: string } | { refused: HubError }> => {
      // The actor is a vehicle the hub itself knows the certificate of, or 'unknown': the name a stranger's
      // certificate presents is the stranger's choice, kept in the detail only.
      const refuse = async (error: HubError, why: string, knownVehicle?: string) => {
        await tx.appendAudit(
          {
            actor: knownVehicle ?? 'unknown', action: 'vehicle.refused', place: 'hub',
            detail: { code: error.code, why, route, fingerprint: peer.fingerprint256, presentedName: peer.commonName },
          },
          at,
        );
        log.warn({ code: error.code, why, route, commonName: peer.commonName }, 'vehicle refused');
        return { refused: error };
      };
      const unknown = unauthorized('UNKNOWN_VEHICLE', hubErrorMessages.UNKNOWN_VEHICLE);
      if (!peer.fingerprint256) return refuse(unknown, 'no_certificate');
      if (!peer.authorized) return refuse(unknown, 'not_issued_by_hub');
      const cert = await tx.getVehicleCertificate(peer.fingerprint256);
      if (!cert) return refuse(unknown, 'unknown_certificate');
      const vehicle = await tx.getVehicle(cert.vehicleId);
      if (!vehicle) return refuse(unknown, 'unknown_vehicle', cert.vehicleId);
      if (vehicle.revokedAt || cert.revokedAt) return refuse(forbidden('REVOKED_VEHICLE', hubErrorMessages.REVOKED_VEHICLE), 'revoked', vehicle.id);
      if (new Date(cert.notAfter).getTime() < clock.now().getTime()) return refuse(unknown, 'expired', vehicle.id);
      return { vehicleId: vehicle.id };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome.vehicleId;
  }

  /** The fee a relayed request carries is the one the hub's own table gives (when the hub was given it). */
  private checkFee(m: SubmitMessage): void {
    if (this.deps.fees && m.feeYen !== feeFor(this.deps.fees, m.input.kind, m.input.copies)) throw new Rejection('FEE_MISMATCH', 'feeYen');
  }


  /**
   * One transaction, so one durable commit, per batch. Each message is validated before the
   * transaction and applied in order inside it. A batch whose messages all apply runs without a
   * savepoint per message; when one is rejected, that attempt is rolled back and the batch runs again
   * with each message in its own savepoint, so the rejected one is undone alone and set aside in the
   * same commit. The answer leaves only after that commit, so the vehicle never drops a message the
   * hub has not stored.
   */
  async deliver(vehicleId: string, body: unknown): Promise<DeliverResponse> {
    const batch = DeliverBatch.safeParse(body);
    if (!batch.success) throw badRequest('MALFORMED_BATCH', `送信データの形が正しくありません（1回に1〜${DELIVER_BATCH_MAX_MESSAGES}件）。`);
    const { store, log, push } = this.deps;
    // Validation needs no lock: done before the transaction, it does not hold up other writers.
    const messages = batch.data.messages.map(validated);
    const attempt = (isolated: boolean) =>
      // A PostgreSQL store may run the function again (a lost race): each run starts its own record.
      store.transaction(async (tx) => {
        const after: AfterCommit = { notices: [], rejections: [] };
        const results: DeliveryResult[] = [];
        for (const m of messages) results.push(isolated ? await this.deliverIsolated(tx, vehicleId, m, after) : await this.deliverTogether(tx, vehicleId, m, after));
        return { results, after };
      });
    const attemptInBulk = (bulk: BulkMessage[]) =>
      store.transaction(async (tx) => {
        const after: AfterCommit = { notices: [], rejections: [] };
        return { results: await this.deliverInBulk(tx, vehicleId, bulk, after), after };
      });
    let outcome;
    // A batch with a message already known to be refused goes straight to one savepoint each.
    if (messages.every((m) => m.message)) {
      const bulk = messages.flatMap((m): BulkMessage[] => {
        const message = m.message;
        return m.key && message && (message.type === 'request.submit' || message.type === 'request.event' || isVisitMessage(message)) ? [{ key: m.key, message }] : [];
      });
      try {
        // Reprint requests, rare, are applied one by one.
        outcome = await (bulk.length === messages.length ? attemptInBulk(bulk) : attempt(false));
      } catch (e) {
        if (!(e instanceof Rejection)) throw e;
      }
    }
    outcome ??= await attempt(true);
    const { results, after } = outcome;
    for (const r of after.rejections) log.warn({ vehicleId, code: r.code, problem: r.problem, key: r.key }, 'vehicle message rejected and kept aside');
    for (const notice of coalesced(after.notices)) push.toConsoles(notice);
    if (batch.data.auditHead) await this.anchorVehicleChain(vehicleId, batch.data.auditHead);
    return { results };
  }

  /**
   * The head of the vehicle's audit chain, recorded in the hub's own chain when it moved: an anchor a
   * rewrite of the vehicle's log cannot follow. A head that went backwards is recorded as such.
   */
  private async anchorVehicleChain(vehicleId: string, head: AuditHead): Promise<void> {
    const last = this.heads.get(vehicleId);
    if (last && last.seq === head.seq && last.hash === head.hash) return;
    this.heads.set(vehicleId, head);
    const regressed = last !== undefined && head.seq < last.seq;
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction((tx) =>
      tx.appendAudit({ actor: vehicleId, action: regressed ? 'vehicle.audit_head_regressed' : 'vehicle.audit_head', place: vehicleId, detail: { seq: head.seq, hash: head.hash } }, at),
    );
    if (regressed) this.deps.log.warn({ vehicleId, seq: head.seq, before: last.seq }, 'vehicle audit chain went backwards');
  }

  /**
   * The whole batch with a few statements: its keys and requests read at once, each message decided in
   * memory in order by the same rules as apply(), then each table written with one statement. A
   * rejection ends the whole attempt, as in deliverTogether().
   */
  private async deliverInBulk(tx: HubTx, vehicleId: string, messages: BulkMessage[], after: AfterCommit): Promise<DeliveryResult[]> {
    const { clock } = this.deps;
    const applied = new Map((await tx.getAppliedMessages(vehicleId, [...new Set(messages.map((m) => m.key))])).map((r) => [r.idempotencyKey, r]));
    const unapplied = messages.filter((m) => !applied.has(m.key));
    const requestIds = unapplied.flatMap((m) => ('requestId' in m.message ? [m.message.requestId] : []));
    const requests = new Map((await tx.getRequests([...new Set(requestIds)])).map((r) => [r.id, r]));
    const stored = new Set(requests.keys());
    const newRequests = new Map<string, RequestRow>();
    const stepChanges = new Map<string, { id: string; step: RequestStep; at: string }>();
    const events: RequestEventRow[] = [];
    const audits: { entry: AuditEntry; at: string }[] = [];
    const appliedRows: AppliedMessageRow[] = [];
    const answeredHere = new Map<string, DeliveryResult>();
    const results: DeliveryResult[] = [];
    for (const { key, message: m } of messages) {
      const at = clock.now().toISOString();
      const seen = applied.get(key);
      // A key seen before, or earlier in this batch, gets its first answer again.
      const first = seen ? (JSON.parse(seen.result) as DeliveryResult) : answeredHere.get(key);
      if (first) {
        results.push({ ...first, status: 'duplicate' });
        continue;
      }
      let status: 'applied' | 'duplicate' = 'applied';
      let notice: Notice | null = null;
      if (isVisitMessage(m)) {
        // Visits touch none of the rows written below: applied in place, in their order in the batch.
        ({ status, notice } = await this.apply(tx, vehicleId, m, at));
      } else if (m.type === 'request.submit') {
        this.checkFee(m);
        const existing = requests.get(m.requestId);
        if (existing) {
          if (existing.vehicleId !== vehicleId) throw new Rejection('REQUEST_ID_CONFLICT', 'requestId');
          status = 'duplicate';
        } else {
          const { row, event, audit } = relayedRecords(vehicleId, m, at);
          requests.set(row.id, row);
          newRequests.set(row.id, row);
          events.push(event);
          audits.push({ entry: audit, at });
          notice = { type: 'request.relayed', requestId: m.requestId };
        }
      } else {
        const request = requests.get(m.requestId);
        if (!request || request.vehicleId !== vehicleId) throw new Rejection('UNKNOWN_REQUEST', 'requestId');
        const next = stepAfterVehicleEvent(request.step, m.event, request.feeYen);
        if (!next) throw new Rejection('ILLEGAL_EVENT', `event=${m.event},step=${request.step}`);
        const moved = { ...request, step: next, updatedAt: at };
        requests.set(moved.id, moved);
        // A request relayed in this batch is inserted with its last step; one stored before is updated.
        if (stored.has(moved.id)) stepChanges.set(moved.id, { id: moved.id, step: next, at });
        else newRequests.set(moved.id, moved);
        const { event, audit } = stepRecords(vehicleId, m, next);
        events.push(event);
        audits.push({ entry: audit, at });
        notice = { type: 'request.updated', requestId: m.requestId };
      }
      const answer: DeliveryResult = { idempotencyKey: key, status };
      answeredHere.set(key, answer);
      appliedRows.push({ vehicleId, idempotencyKey: key, messageType: m.type, result: JSON.stringify(answer), appliedAt: at });
      if (notice) after.notices.push(notice);
      results.push(answer);
    }
    await tx.insertRequests([...newRequests.values()]);
    await tx.setRequestSteps([...stepChanges.values()]);
    await tx.insertRequestEvents(events);
    await tx.appendAudits(audits);
    await tx.insertAppliedMessages(appliedRows);
    await dropEndedDocuments(tx, vehicleId, [...stepChanges.values()].filter((c) => documentEnds(c.step)).map((c) => c.id), clock.now().toISOString());
    return results;
  }

  /** In the batch's transaction without a savepoint: a rejection ends the whole attempt. */
  private async deliverTogether(tx: HubTx, vehicleId: string, m: ValidatedMessage, after: AfterCommit): Promise<DeliveryResult> {
    const { answer, notice } = await this.applyOnce(tx, vehicleId, m, this.deps.clock.now().toISOString());
    if (notice) after.notices.push(notice);
    return answer;
  }

  /** In its own savepoint: a rejection undoes this message alone and sets it aside. */
  private async deliverIsolated(tx: HubTx, vehicleId: string, m: ValidatedMessage, after: AfterCommit): Promise<DeliveryResult> {
    const at = this.deps.clock.now().toISOString();
    try {
      const { answer, notice } = await tx.savepoint(() => this.applyOnce(tx, vehicleId, m, at));
      if (notice) after.notices.push(notice);
      return answer;
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      const payload = safeJson(m.raw).slice(0, DEAD_LETTER_MAX);
      const id = await tx.insertDeadLetter({ vehicleId, idempotencyKey: m.key, code: e.code, problem: e.problem, payload, receivedAt: at });
      await tx.appendAudit({ actor: vehicleId, action: 'message.rejected', place: vehicleId, detail: { code: e.code, deadLetterId: id, key: m.key } }, at);
      after.rejections.push({ code: e.code, problem: e.problem, key: m.key });
      after.notices.push({ type: 'dead_letter' });
      return { idempotencyKey: m.echoKey, status: 'rejected', code: e.code, message: hubSyncMessages[e.code] };
    }
  }

  /** A key applied before gets its first answer again; otherwise the message is applied and its answer recorded. */
  private async applyOnce(tx: HubTx, vehicleId: string, m: ValidatedMessage, at: string): Promise<{ answer: DeliveryResult; notice: Notice | null }> {
    if (m.key) {
      const seen = await tx.getAppliedMessage(vehicleId, m.key);
      if (seen) return { answer: { ...(JSON.parse(seen.result) as DeliveryResult), status: 'duplicate' as const }, notice: null };
    }
    if (!m.message) throw m.rejection;
    const outcome = await this.apply(tx, vehicleId, m.message, at);
    const answer: DeliveryResult = { idempotencyKey: m.message.idempotencyKey, status: outcome.status };
    await tx.insertAppliedMessage({ vehicleId, idempotencyKey: m.message.idempotencyKey, messageType: m.message.type, result: JSON.stringify(answer), appliedAt: at });
    return { answer, notice: outcome.notice };
  }

  private async apply(
    tx: HubTx,
    vehicleId: string,
    m: VehicleMessage,
    at: string,
  ): Promise<{ status: 'applied' | 'duplicate'; notice: Notice | null }> {
    switch (m.type) {
      case 'request.submit': {
        this.checkFee(m);
        const existing = await tx.getRequest(m.requestId);
        if (existing) {
          // The same request sent again under a new key (the vehicle re-queued it): the hub has it.
          if (existing.vehicleId === vehicleId) return { status: 'duplicate', notice: null };
          throw new Rejection('REQUEST_ID_CONFLICT', 'requestId');
        }
        const { row, event, audit } = relayedRecords(vehicleId, m, at);
        await tx.insertRequest(row);
        await tx.insertRequestEvent(event);
        await tx.appendAudit(audit, at);
        return { status: 'applied', notice: { type: 'request.relayed', requestId: m.requestId } };
      }
      case 'request.event': {
        const request = await tx.getRequest(m.requestId);
        if (!request || request.vehicleId !== vehicleId) throw new Rejection('UNKNOWN_REQUEST', 'requestId');
        const next = stepAfterVehicleEvent(request.step, m.event, request.feeYen);
        if (!next) throw new Rejection('ILLEGAL_EVENT', `event=${m.event},step=${request.step}`);
        await tx.setRequestStep(m.requestId, next, at);
        const { event, audit } = stepRecords(vehicleId, m, next);
        await tx.insertRequestEvent(event);
        await tx.appendAudit(audit, at);
        if (documentEnds(next)) await dropEndedDocuments(tx, vehicleId, [m.requestId], at);
        return { status: 'applied', notice: { type: 'request.updated', requestId: m.requestId } };
      }
      case 'print.reprint_request': {
        const job = await tx.getPrintJob(m.jobId);
        if (!job || job.vehicleId !== vehicleId || job.requestId !== m.requestId) throw new Rejection('UNKNOWN_REQUEST', 'jobId');
        const existing = await tx.getReprintRequestForJob(m.jobId);
        if (existing) {
          if (existing.id === m.reprintRequestId && existing.vehicleId === vehicleId) return { status: 'duplicate', notice: null };
          throw new Rejection('ILLEGAL_EVENT', 'reprint_already_requested');
        }
        const request = await tx.getRequest(m.requestId);
        if (!request || !reprintableSteps.has(request.step)) throw new Rejection('ILLEGAL_EVENT', `reprint,step=${request?.step}`);
        await tx.insertReprintRequest({
          id: m.reprintRequestId, vehicleId, jobId: m.jobId, requestId: m.requestId, reason: m.reason, staffId: m.staffId,
          requestedAt: m.at, receivedAt: at, status: 'pending', decidedBy: null, decidedAt: null, newJobId: null,
        });
        await tx.insertRequestEvent({ requestId: m.requestId, event: 'REPRINT_REQUESTED', step: request.step, actor: m.staffId, at: m.at, reason: m.reason });
        await tx.appendAudit({ actor: m.staffId, action: 'print.reprint_requested', requestId: m.requestId, place: vehicleId, detail: { jobId: m.jobId, reprintRequestId: m.reprintRequestId } }, at);
        return { status: 'applied', notice: { type: 'reprint.requested', requestId: m.requestId } };
      }
      case 'visit_outcome': {
        const booking = await tx.getBooking(m.bookingId);
        const assignment = booking ? await tx.getVisitAssignment(booking.area, booking.visitDate) : undefined;
        if (!booking || assignment?.vehicleId !== vehicleId) throw new Rejection('UNKNOWN_VISIT', 'bookingId');
        if (outcomeNeedsReason(m.outcome) && !m.reason) throw new Rejection('MALFORMED_MESSAGE', 'fields=reason');
        const inserted = await tx.insertVisitOutcome({
          bookingId: m.bookingId, vehicleId, outcome: m.outcome, reason: outcomeNeedsReason(m.outcome) ? m.reason : null, staffId: m.staffId,
          recordedAt: m.recordedAt, receivedAt: at,
        });
        // The booking has its outcome already (sent again under a new key): the first one stays.
        if (!inserted) return { status: 'duplicate', notice: null };
        await tx.appendAudit({ actor: m.staffId, action: 'visit.outcome', place: vehicleId, detail: { bookingId: m.bookingId, outcome: m.outcome } }, at);
        // Not at home, or another day wanted: the dispatcher calls the resident back to book again.
        const callBack = callBackAfter[m.outcome];
        if (callBack) {
          const resident = BookingResident.parse(JSON.parse(booking.resident));
          await tx.insertNotice(followUpNotice({
            id: (this.deps.ids ?? defaultNewId)(), sourceId: `visit:${m.bookingId}`, bookingId: m.bookingId, contact: { name: resident.name, phone: resident.phone },
            message: `${formatJapaneseDate(booking.visitDate)} の訪問は「${callBack}」でした。次の訪問日をご相談ください。`, at,
          }));
        }
        return { status: 'applied', notice: { type: 'visit.outcome' } };
      }
      case 'follow_up':
        return this.applyFollowUp(tx, vehicleId, m, at);
      case 'outing.record':
        return this.applyOutingRecord(tx, vehicleId, m, at);
      case 'risai.application': {
        const outcome = await applyRisaiApplication(tx, vehicleId, m, at);
        if ('refused' in outcome) throw new Rejection(outcome.refused, outcome.problem);
        return outcome;
      }
      case 'risai.handed_over': {
        // Only the vehicle the certificate was sent to records its handover, once.
        const app = await tx.risai().getApplication(m.applicationId);
        if (!app || app.print_vehicle_id !== vehicleId) throw new Rejection('ILLEGAL_EVENT', 'risai_handover,not_sent_here');
        if (!(await tx.risai().markHandedOver(m.applicationId, vehicleId, m.at))) return { status: 'duplicate', notice: null };
        await tx.appendAudit({ actor: m.staffId, action: 'risai.handed_over', place: vehicleId, detail: { applicationId: m.applicationId } }, at);
        return { status: 'applied', notice: { type: 'risai.updated' } };
      }
    }
  }

  /**
   * An outing's record (実績): the outing, one row per person and service, its sales. The outing's id
   * makes it one record however often it arrives, under any key; the audit holds ids and counts only.
   */
  private async applyOutingRecord(
    tx: HubTx,
    vehicleId: string,
    m: Extract<VehicleMessage, { type: 'outing.record' }>,
    at: string,
  ): Promise<{ status: 'applied' | 'duplicate'; notice: Notice | null }> {
    const record = outingRows(vehicleId, m, at);
    const inserted = await tx.insertOuting(record.outing, record.people, m.sales);
    if (!inserted) return { status: 'duplicate', notice: null };
    // The close rides the record: its totals were checked against its lines when the message was parsed.
    const close = m.close ? dailyCloseRows(vehicleId, m.close, m, at) : null;
    if (close) await tx.insertDailyClose(close.close, close.lines);
    const served = m.people.reduce((sum, p) => sum + p.services.length, 0);
    await tx.appendAudit({
      actor: m.staff[0]!, action: 'outing.recorded', place: vehicleId,
      detail: { outingId: m.outingId, kind: m.kind, people: m.people.length, services: served, explained: m.explained, sales: m.sales.length },
    }, at);
    if (close) {
      await tx.appendAudit({
        actor: close.close.closedBy, action: 'outing.closed', place: vehicleId,
        detail: { outingId: m.outingId, expectedYen: close.close.expectedYen, countedYen: close.close.countedYen, differenceYen: close.close.differenceYen },
      }, at);
    }
    return { status: 'applied', notice: { type: 'outing.recorded' } };
  }

  /**
   * A next-visit task for the dispatcher's call-back list. The task's id makes it one item however
   * often it arrives; the name and phone ride in the item's contact, never in its words or the audit.
   */
  private async applyFollowUp(
    tx: HubTx,
    vehicleId: string,
    m: Extract<VehicleMessage, { type: 'follow_up' }>,
    at: string,
  ): Promise<{ status: 'applied' | 'duplicate'; notice: Notice | null }> {
    const inserted = await tx.insertNotice(followUpNotice({
      id: (this.deps.ids ?? defaultNewId)(), sourceId: `task:${m.taskId}`, contact: { name: m.name, phone: m.phone },
      message: followUpMessages[m.kind], at,
    }));
    if (!inserted) return { status: 'duplicate', notice: null };
    await tx.appendAudit({ actor: m.staffId, action: 'follow_up.received', place: vehicleId, detail: { taskId: m.taskId, kind: m.kind } }, at);
    return { status: 'applied', notice: { type: 'follow_up' } };
  }

  async inbox(vehicleId: string, query: unknown): Promise<{ messages: { seq: number; body: unknown }[]; latestSeq: number }> {
    const q = InboxQuery.safeParse(query);
    if (!q.success) throw badRequest('MALFORMED_QUERY', '受信箱の問い合わせの形が正しくありません（after は0以上の整数）。');
    return this.deps.store.transaction(async (tx) => ({
      messages: await readInbox(tx, this.deps.sealer, vehicleId, q.data.after, q.data.limit, 'https', this.deps.clock.now().toISOString()),
      latestSeq: await tx.latestInboxSeq(vehicleId),
    }));
  }

  async ack(vehicleId: string, upTo: number): Promise<{ ackedSeq: number }> {
    const at = this.deps.clock.now().toISOString();
    return this.deps.store.transaction(async (tx) => {
      const latest = await tx.latestInboxSeq(vehicleId);
      if (upTo > latest) throw badRequest('ACK_AHEAD', `まだ送っていない番号（${upTo}）の受信確認です。最新は ${latest} です。`);
      const before = (await tx.getVehicle(vehicleId))?.inboxAckedSeq ?? 0;
      // The vehicle holds what it acknowledged: the certificates' PDFs leave the inbox (a reprint is a new job).
      if (upTo > before) {
        for (const row of await tx.listInbox(vehicleId, before, upTo - before)) {
          if (row.type !== 'print_job' || row.seq > upTo) continue;
          const body = JSON.parse(row.body) as { pdfBase64?: string };
          if (body.pdfBase64) await tx.setInboxBody(vehicleId, row.seq, JSON.stringify({ ...body, pdfBase64: '' }));
        }
      }
      await tx.setInboxAcked(vehicleId, upTo);
      const v = await tx.getVehicle(vehicleId);
      await tx.appendAudit({ actor: vehicleId, action: 'inbox.ack', place: vehicleId, detail: { upTo } }, at);
      return { ackedSeq: v?.inboxAckedSeq ?? upTo };
    });
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return '"(not serializable)"';
  }
}
