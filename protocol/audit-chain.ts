// The audit log's hash chain, written once for the vehicle and the hub: each record's hash covers the
// previous record's hash and its own content, so an edit made behind the store's back is found by a
// walk from the start. Pure: the hash function is passed in (node:crypto's binding is common/audit-chain.ts).

/** The `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** One record's content as the chain covers it; `detail` is the stored JSON text. */
export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  requestId: string | null;
  place: string;
  detail: string;
}

export interface ChainedAuditRecord extends AuditRecord {
  prevHash: string;
  hash: string;
}

export type ChainVerdict = { ok: true; rows: number } | { ok: false; rows: number; brokenAt: number; why: string };

/** SHA-256 of UTF-8 text, as lowercase hex. */
export type Sha256Hex = (text: string) => string;

/** The exact text hashed for a record: the previous hash, a newline, then the content in a fixed order. */
export function auditHashInput(prevHash: string, r: AuditRecord): string {
  return `${prevHash}\n${JSON.stringify([r.seq, r.at, r.actor, r.action, r.requestId, r.place, r.detail])}`;
}

/** Walks the chain in order; the first record whose number, link or content does not match is reported. */
export function verifyAuditChain(rows: Iterable<ChainedAuditRecord>, sha256Hex: Sha256Hex): ChainVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const r of rows) {
    count++;
    if (r.seq !== expectedSeq) return { ok: false, rows: count, brokenAt: r.seq, why: `番号が飛んでいます（${expectedSeq} のはずが ${r.seq}）` };
    if (r.prevHash !== prevHash) return { ok: false, rows: count, brokenAt: r.seq, why: '前の記録とのつながりが合いません' };
    if (sha256Hex(auditHashInput(prevHash, r)) !== r.hash) return { ok: false, rows: count, brokenAt: r.seq, why: '記録の内容が書き換えられています' };
    prevHash = r.hash;
    expectedSeq++;
  }
  return { ok: true, rows: count };
}
