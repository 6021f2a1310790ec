// The hub's side of outbox delivery: each vehicle message is validated, then applied exactly once in
// its own transaction together with its idempotency key and the answer given; a repeat of an applied
// key gets that answer again. A message that is malformed, of an unknown type, or not possible in the
// request's current step is rejected with a code and kept aside (dead letter) — never blocking the
// messages behind it.
import { z } from 'zod';
import {
  DeliverBatch, HubMessageBody, hubErrorMessages, IdempotencyKey, VehicleMessage,
  type DeliverResponse, type DeliveryResult,
} from '../../protocol/hub';
import { reprintableSteps, stepAfterVehicleEvent } from '../../protocol/workflow';
import type { Clock } from '../clock';
import { badRequest, forbidden, HubError, unauthorized } from '../errors';
import type { Logger } from '../../common/logger';
import type { HubStore, HubTx, RequestRow } from '../store/types';
import type { PushHub } from './push';

/** Hub-side rejection codes beyond the contract's own. */
export const hubSyncMessages = {
  ...hubErrorMessages,
  REQUEST_ID_CONFLICT: 'ほかの車両の受付と番号が重なっています。管理者が確認します。',
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

const knownTypes = new Set(['request.submit', 'request.event', 'print.reprint_request']);
const DEAD_LETTER_MAX = 64 * 1024;

/** The vehicle a TLS peer is, as the handshake presented it. */
export interface PeerCertificate {
  authorized: boolean;
  fingerprint256: string | null;
  commonName: string | null;
}

/** What a batch does once committed: console notices, and warnings for the messages set aside. */
interface AfterCommit {
  notices: { type: string; requestId?: string }[];
  rejections: { code: RejectCode; problem: string; key: string | null }[];
}

export const InboxQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(100).default(50) });

export class VehicleSync {
  constructor(
    private readonly deps: { store: HubStore; clock: Clock; log: Logger; push: PushHub },
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
      const refuse = async (error: HubError, why: string) => {
        await tx.appendAudit(
          { actor: peer.commonName ?? 'unknown', action: 'vehicle.refused', place: 'hub', detail: { code: error.code, why, route, fingerprint: peer.fingerprint256 } },
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
      if (!vehicle) return refuse(unknown, 'unknown_vehicle');
      if (vehicle.revokedAt || cert.revokedAt) return refuse(forbidden('REVOKED_VEHICLE', hubErrorMessages.REVOKED_VEHICLE), 'revoked');
      if (new Date(cert.notAfter).getTime() < clock.now().getTime()) return refuse(unknown, 'expired');
      return { vehicleId: vehicle.id };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome.vehicleId;
  }

  /**
   * One transaction, so one durable commit, per batch: each message runs in its own savepoint, so a
   * rejected one is undone alone and set aside in the same commit. The answer leaves only after that
   * commit, so the vehicle never drops a message the hub has not stored.
   */
  async deliver(vehicleId: string, body: unknown): Promise<DeliverResponse> {
    const batch = DeliverBatch.safeParse(body);
    if (!batch.success) throw badRequest('MALFORMED_BATCH', '送信データの形が正しくありません（1回に1〜100件）。');
    const { store, log, push } = this.deps;
    const after: AfterCommit = { notices: [], rejections: [] };
    const results = await store.transaction(async (tx) => {
      const out: DeliveryResult[] = [];
      for (const raw of batch.data.messages) out.push(await this.deliverOne(tx, vehicleId, raw, after));
      return out;
    });
    for (const r of after.rejections) log.warn({ vehicleId, code: r.code, problem: r.problem, key: r.key }, 'vehicle message rejected and kept aside');
    for (const notice of after.notices) push.toConsoles(notice);
    return { results };
  }

  private async deliverOne(tx: HubTx, vehicleId: string, raw: unknown, after: AfterCommit): Promise<DeliveryResult> {
    const { clock } = this.deps;
    const rawKey = typeof raw === 'object' && raw !== null && 'idempotencyKey' in raw ? (raw as { idempotencyKey: unknown }).idempotencyKey : undefined;
    const key = IdempotencyKey.safeParse(rawKey).success ? (rawKey as string) : null;
    const echoKey = key ?? (typeof rawKey === 'string' ? rawKey.slice(0, 64) : '');
    const at = clock.now().toISOString();

    try {
      const { answer, notice } = await tx.savepoint(async () => {
        if (key) {
          const seen = await tx.getAppliedMessage(vehicleId, key);
          if (seen) return { answer: { ...(JSON.parse(seen.result) as DeliveryResult), status: 'duplicate' as const }, notice: null };
        }
        const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
        if (typeof type !== 'string' || !knownTypes.has(type)) throw new Rejection('UNKNOWN_MESSAGE_TYPE', `type=${typeof type === 'string' ? type.slice(0, 40) : typeof type}`);
        const parsed = VehicleMessage.safeParse(raw);
        if (!parsed.success || !key) {
          const paths = parsed.success ? ['idempotencyKey'] : [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
          throw new Rejection('MALFORMED_MESSAGE', `fields=${paths.slice(0, 10).join(',')}`);
        }
        const outcome = await this.apply(tx, vehicleId, parsed.data, at);
        const answer: DeliveryResult = { idempotencyKey: key, status: outcome.status };
        await tx.insertAppliedMessage({ vehicleId, idempotencyKey: key, messageType: parsed.data.type, result: JSON.stringify(answer), appliedAt: at });
        return { answer, notice: outcome.notice };
      });
      if (notice) after.notices.push(notice);
      return answer;
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      const payload = safeJson(raw).slice(0, DEAD_LETTER_MAX);
      const id = await tx.insertDeadLetter({ vehicleId, idempotencyKey: key, code: e.code, problem: e.problem, payload, receivedAt: at });
      await tx.appendAudit({ actor: vehicleId, action: 'message.rejected', place: vehicleId, detail: { code: e.code, deadLetterId: id, key } }, at);
      after.rejections.push({ code: e.code, problem: e.problem, key });
      after.notices.push({ type: 'dead_letter' });
      return { idempotencyKey: echoKey, status: 'rejected', code: e.code, message: hubSyncMessages[e.code] };
    }
  }

  private async apply(
    tx: HubTx,
    vehicleId: string,
    m: VehicleMessage,
    at: string,
  ): Promise<{ status: 'applied' | 'duplicate'; notice: { type: string; requestId?: string } | null }> {
    switch (m.type) {
      case 'request.submit': {
        const existing = await tx.getRequest(m.requestId);
        if (existing) {
          // The same request sent again under a new key (the vehicle re-queued it): the hub has it.
          if (existing.vehicleId === vehicleId) return { status: 'duplicate', notice: null };
          throw new Rejection('REQUEST_ID_CONFLICT', 'requestId');
        }
        const row: RequestRow = {
          id: m.requestId, vehicleId, number: m.number, day: m.day, kind: m.input.kind, copies: m.input.copies, feeYen: m.feeYen,
          step: 'relayed', input: JSON.stringify(m.input), identity: m.identity ? JSON.stringify(m.identity) : null,
          staffId: m.staffId, sentAt: m.sentAt, receivedAt: at, updatedAt: at,
        };
        await tx.insertRequest(row);
        await tx.insertRequestEvent({ requestId: m.requestId, event: 'RELAYED', step: 'relayed', actor: m.staffId, at, reason: null });
        await tx.appendAudit({ actor: m.staffId, action: 'request.relayed', requestId: m.requestId, place: vehicleId, detail: { kind: m.input.kind, copies: m.input.copies } }, at);
        return { status: 'applied', notice: { type: 'request.relayed', requestId: m.requestId } };
      }
      case 'request.event': {
        const request = await tx.getRequest(m.requestId);
        if (!request || request.vehicleId !== vehicleId) throw new Rejection('UNKNOWN_REQUEST', 'requestId');
        const next = stepAfterVehicleEvent(request.step, m.event, request.feeYen);
        if (!next) throw new Rejection('ILLEGAL_EVENT', `event=${m.event},step=${request.step}`);
        await tx.setRequestStep(m.requestId, next, at);
        await tx.insertRequestEvent({ requestId: m.requestId, event: m.event, step: next, actor: m.staffId ?? vehicleId, at: m.at, reason: m.reason ?? null });
        await tx.appendAudit({ actor: m.staffId ?? vehicleId, action: `request.${m.event.toLowerCase()}`, requestId: m.requestId, place: vehicleId, detail: { step: next } }, at);
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
    }
  }

  async inbox(vehicleId: string, query: unknown): Promise<{ messages: { seq: number; body: unknown }[]; latestSeq: number }> {
    const q = InboxQuery.safeParse(query);
    if (!q.success) throw badRequest('MALFORMED_QUERY', '受信箱の問い合わせの形が正しくありません（after は0以上の整数）。');
    return this.deps.store.transaction(async (tx) => {
      const rows = await tx.listInbox(vehicleId, q.data.after, q.data.limit);
      return { messages: rows.map((r) => ({ seq: r.seq, body: HubMessageBody.parse(JSON.parse(r.body)) })), latestSeq: await tx.latestInboxSeq(vehicleId) };
    });
  }

  async ack(vehicleId: string, upTo: number): Promise<{ ackedSeq: number }> {
    const at = this.deps.clock.now().toISOString();
    return this.deps.store.transaction(async (tx) => {
      const latest = await tx.latestInboxSeq(vehicleId);
      if (upTo > latest) throw badRequest('ACK_AHEAD', `まだ送っていない番号（${upTo}）の受信確認です。最新は ${latest} です。`);
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
