// The durable queue to city hall (step 3). A message is written in the same transaction as the
// change that caused it, with its idempotency key, and leaves the queue only once the hub has it.
import { z } from 'zod';
import type { Db } from './db';
import type { FieldCipher } from './crypto';
import type { Clock } from './clock';
import type { IdGenerator } from './ids';

export const OutboxKind = z.enum(['request.submit', 'request.event']);
export type OutboxKind = z.infer<typeof OutboxKind>;

export interface OutboxMessage {
  seq: number;
  idempotencyKey: string;
  requestId: string;
  kind: OutboxKind;
  payload: unknown;
  attempts: number;
}

export class Outbox {
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly cipher: FieldCipher,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
  ) {
    this.insert = db.prepare('INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  /** Call inside the transaction of the change; returns the idempotency key. */
  enqueue(requestId: string, kind: OutboxKind, payload: unknown): string {
    const key = this.newId();
    this.insert.run(key, requestId, kind, this.cipher.seal(JSON.stringify(payload), `outbox:${key}`), this.clock.now().toISOString());
    return key;
  }

  /** How many requests have something waiting for city hall. */
  waitingRequests(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(DISTINCT request_id) AS n FROM outbox WHERE delivered_at IS NULL').get()!.n;
  }

  /** Undelivered messages in the order they were written (order per request is kept by seq). */
  pending(limit = 100): OutboxMessage[] {
    return this.db
      .prepare<[number], { seq: number; idempotency_key: string; request_id: string; kind: string; payload_sealed: Buffer; attempts: number }>(
        'SELECT seq, idempotency_key, request_id, kind, payload_sealed, attempts FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?',
      )
      .all(limit)
      .map((r) => ({
        seq: r.seq,
        idempotencyKey: r.idempotency_key,
        requestId: r.request_id,
        kind: OutboxKind.parse(r.kind),
        payload: JSON.parse(this.cipher.open(r.payload_sealed, `outbox:${r.idempotency_key}`)) as unknown,
        attempts: r.attempts,
      }));
  }

  lastSyncAt(): string | null {
    return this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'last_sync_at'").get()?.value ?? null;
  }
}
