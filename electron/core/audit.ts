// The audit trail: who did what, when, where, to which request. Append-only (triggers refuse
// UPDATE/DELETE) and hash-chained, so an edit made behind the triggers' back is found by verify().
import { createHash } from 'node:crypto';
import type { Db } from './db';
import type { Clock } from './clock';

export interface AuditEntry {
  actor: string; // staff id, 'resident', 'hub' or 'system'
  action: string; // e.g. 'request.create', 'personal.read'
  requestId?: string | null;
  /** Ids, steps and codes only: never names, addresses, birth dates, PINs or document numbers. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  request_id: string | null;
  place: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

function rowHash(prev: string, r: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  const canonical = JSON.stringify([r.seq, r.at, r.actor, r.action, r.request_id, r.place, r.detail]);
  return createHash('sha256').update(prev).update('\n').update(canonical).digest('hex');
}

export type ChainVerdict = { ok: true; rows: number } | { ok: false; rows: number; brokenAt: number; why: string };

export class AuditLog {
  private readonly last;
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly place: string,
  ) {
    this.last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, request_id, place, detail, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @request_id, @place, @detail, @prev_hash, @hash)',
    );
  }

  /** Appends one record. Call inside the transaction of the change it records. */
  append(entry: AuditEntry): void {
    const prev = this.last.get();
    const row = {
      seq: (prev?.seq ?? 0) + 1,
      at: this.clock.now().toISOString(),
      actor: entry.actor,
      action: entry.action,
      request_id: entry.requestId ?? null,
      place: this.place,
      detail: JSON.stringify(entry.detail ?? {}),
    };
    const prevHash = prev?.hash ?? GENESIS_HASH;
    this.insert.run({ ...row, prev_hash: prevHash, hash: rowHash(prevHash, row) });
  }

  /** Walks the whole chain; the first row whose link or content does not match is reported. */
  verify(): ChainVerdict {
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    for (const r of this.db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq').iterate()) {
      rows++;
      if (r.seq !== expectedSeq) return { ok: false, rows, brokenAt: r.seq, why: `番号が飛んでいます（${expectedSeq} のはずが ${r.seq}）` };
      if (r.prev_hash !== prevHash) return { ok: false, rows, brokenAt: r.seq, why: '前の記録とのつながりが合いません' };
      if (rowHash(prevHash, r) !== r.hash) return { ok: false, rows, brokenAt: r.seq, why: '記録の内容が書き換えられています' };
      prevHash = r.hash;
      expectedSeq++;
    }
    return { ok: true, rows };
  }

  forRequest(requestId: string): AuditRow[] {
    return this.db.prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE request_id = ? ORDER BY seq').all(requestId);
  }
}
