// The audit trail: who did what, when, where, to which request. Append-only (triggers refuse
// UPDATE/DELETE) and hash-chained, so an edit made behind the triggers' back is found by verify().
import { auditRowHash, GENESIS_HASH, verifyChain, type ChainedAuditRecord, type ChainVerdict } from '../../common/audit-chain';
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

/** Stored rows as the shared chain sees them (the table's columns are snake_case), read as the walk goes. */
function* chained(rows: Iterable<AuditRow>): Generator<ChainedAuditRecord> {
  for (const r of rows) {
    yield { seq: r.seq, at: r.at, actor: r.actor, action: r.action, requestId: r.request_id, place: r.place, detail: r.detail, prevHash: r.prev_hash, hash: r.hash };
  }
}

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
    this.insert.run({ ...row, prev_hash: prevHash, hash: auditRowHash(prevHash, { ...row, requestId: row.request_id }) });
  }

  /** The chain's head: its last sequence number and hash (sent with every batch, so city hall anchors it). */
  head(): { seq: number; hash: string } | null {
    return this.last.get() ?? null;
  }

  /** Walks the whole chain; the first row whose link or content does not match is reported. */
  verify(): ChainVerdict {
    return verifyChain(chained(this.db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq').iterate()));
  }

  /**
   * The chain, and then the heads city hall recorded from this vehicle (its anchors): each must still be
   * in the chain with the same hash. A log rewritten with every hash recomputed passes verify() but not
   * this, since the hub kept the heads it was sent before.
   */
  verifyAnchored(anchors: readonly { seq: number; hash: string }[]): ChainVerdict {
    const chain = this.verify();
    if (!chain.ok) return chain;
    const at = this.db.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?');
    for (const a of [...anchors].sort((x, y) => x.seq - y.seq)) {
      if (a.seq === 0) continue;
      const row = at.get(a.seq);
      if (!row) return { ok: false, rows: chain.rows, brokenAt: a.seq, why: '市役所が記録した番号の記録がありません' };
      if (row.hash !== a.hash) return { ok: false, rows: chain.rows, brokenAt: a.seq, why: '市役所が記録した先頭と鎖が合いません' };
    }
    return chain;
  }

  forRequest(requestId: string): AuditRow[] {
    return this.db.prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE request_id = ? ORDER BY seq').all(requestId);
  }
}
