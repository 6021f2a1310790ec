// The audit log's hash chain, shared by every store implementation: each record's hash covers the
// previous hash and its own content, so an edit made behind the store's back is found by a walk.
import { createHash } from 'node:crypto';
import type { AuditRow, ChainVerdict } from './types';

export const GENESIS_HASH = '0'.repeat(64);

export function auditRowHash(prevHash: string, r: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  const canonical = JSON.stringify([r.seq, r.at, r.actor, r.action, r.requestId, r.place, r.detail]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export function verifyChain(rows: Iterable<AuditRow>): ChainVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const r of rows) {
    count++;
    if (r.seq !== expectedSeq) return { ok: false, rows: count, brokenAt: r.seq, why: `番号が飛んでいます（${expectedSeq} のはずが ${r.seq}）` };
    if (r.prevHash !== prevHash) return { ok: false, rows: count, brokenAt: r.seq, why: '前の記録とのつながりが合いません' };
    if (auditRowHash(prevHash, r) !== r.hash) return { ok: false, rows: count, brokenAt: r.seq, why: '記録の内容が書き換えられています' };
    prevHash = r.hash;
    expectedSeq++;
  }
  return { ok: true, rows: count };
}
