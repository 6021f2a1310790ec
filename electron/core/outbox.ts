// The durable queue to city hall (step 3). A message is written in the same transaction as the
// change that caused it, with its idempotency key, and leaves the queue only once the hub has it.
import { z } from 'zod';
import type { Db } from './db';
import type { FieldCipher } from './crypto';
import type { Clock } from './clock';
import type { IdGenerator } from '../../common/ids';

/**
 * What a message is about. `request.*` and `print.*` name a certificate request in `requestId`;
 * `visit.outcome` names a home visit (the hub's booking id), `visit.follow_up` a next-visit task,
 * `outing.record` an outing and `risai.application` a り災証明書 application.
 */
export const OutboxKind = z.enum(['request.submit', 'request.event', 'print.reprint_request', 'visit.outcome', 'visit.follow_up', 'outing.record', 'risai.application', 'risai.handed_over']);
export type OutboxKind = z.infer<typeof OutboxKind>;

export interface OutboxMessage {
  seq: number;
  idempotencyKey: string;
  requestId: string;
  kind: OutboxKind;
  payload: unknown;
  attempts: number;
}

export interface OutboxOptions {
  db: Db;
  /** Seals each message's payload at rest (it may carry personal data until delivered). */
  cipher: FieldCipher;
  clock: Clock;
  /** Makes each message's idempotency key. */
  newId: IdGenerator;
}

export class Outbox {
  // Prepared once: the delivery loop runs these per message, and preparing costs more than running.
  private readonly insert;
  private readonly remove;
  private readonly setRejected;
  private readonly countAttempt;
  private readonly lastSync;
  private readonly next;

  private readonly db: Db;
  private readonly cipher: FieldCipher;
  private readonly clock: Clock;
  private readonly newId: IdGenerator;

  constructor(options: OutboxOptions) {
    const db = options.db;
    this.db = db;
    this.cipher = options.cipher;
    this.clock = options.clock;
    this.newId = options.newId;
    this.insert = db.prepare('INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES (?, ?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.setRejected = db.prepare('UPDATE outbox SET rejected_code = ?, rejected_at = ? WHERE seq = ?');
    this.countAttempt = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?');
    this.lastSync = db.prepare("INSERT INTO meta (key, value) VALUES ('last_sync_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    this.next = db.prepare<[number, number], { seq: number; idempotency_key: string; request_id: string; kind: string; payload_sealed: Buffer; attempts: number }>(
      'SELECT seq, idempotency_key, request_id, kind, payload_sealed, attempts FROM outbox WHERE rejected_at IS NULL AND seq > ? ORDER BY seq LIMIT ?',
    );
  }

  /** Call inside the transaction of the change; returns the idempotency key. */
  enqueue(requestId: string, kind: OutboxKind, payload: unknown): string {
    const key = this.newId();
    this.insert.run(key, requestId, kind, this.cipher.seal(JSON.stringify(payload), `outbox:${key}`), this.clock.now().toISOString());
    return key;
  }

  /** How many requests (and visits, follow-ups and outings) have something waiting for city hall. */
  waitingRequests(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(DISTINCT request_id) AS n FROM outbox WHERE rejected_at IS NULL').get()!.n;
  }

  /** How many messages city hall refused, for the relay indicator. */
  setAsideCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE rejected_at IS NOT NULL').get()!.n;
  }

  /** Messages city hall refused (malformed or unknown), set aside for staff and admins to see. */
  setAside(): { seq: number; requestId: string; kind: string; code: string; at: string }[] {
    return this.db
      .prepare<[], { seq: number; request_id: string; kind: string; rejected_code: string; rejected_at: string }>(
        'SELECT seq, request_id, kind, rejected_code, rejected_at FROM outbox WHERE rejected_at IS NOT NULL ORDER BY seq',
      )
      .all()
      .map((r) => ({ seq: r.seq, requestId: r.request_id, kind: r.kind, code: r.rejected_code, at: r.rejected_at }));
  }

  /** City hall has it (applied now or before): the message leaves the queue. Call inside a transaction. */
  delivered(seq: number): void {
    this.remove.run(seq);
  }

  /** City hall refused it: kept aside with the code, out of the way of the messages behind it. */
  reject(seq: number, code: string): void {
    this.setRejected.run(code, this.clock.now().toISOString(), seq);
  }

  /** A delivery attempt failed on the network: counted, so staff can see a message that keeps failing. */
  attemptFailed(seqs: number[], error: string): void {
    this.db.transaction(() => seqs.forEach((seq) => this.countAttempt.run(error, seq)))();
  }

  markSynced(): void {
    this.lastSync.run(this.clock.now().toISOString());
  }

  /**
   * Undelivered messages in the order they were written (order per request is kept by seq); after
   * `afterSeq`, so the next batch can be read while the one before it is still with the hub.
   */
  pending(limit = 100, afterSeq = 0): OutboxMessage[] {
    return this.next
      .all(afterSeq, limit)
      .map((r) => {
        const cipher = this.cipher;
        let opened: { value: unknown } | null = null;
        return {
          seq: r.seq,
          idempotencyKey: r.idempotency_key,
          requestId: r.request_id,
          kind: OutboxKind.parse(r.kind),
          // Opened on first use: a relayed request's message is built from the request itself, so its
          // sealed payload (the request id) need not be decrypted on every delivery.
          get payload(): unknown {
            opened ??= { value: JSON.parse(cipher.open(r.payload_sealed, `outbox:${r.idempotency_key}`)) as unknown };
            return opened.value;
          },
          attempts: r.attempts,
        };
      });
  }

  lastSyncAt(): string | null {
    return this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'last_sync_at'").get()?.value ?? null;
  }
}
