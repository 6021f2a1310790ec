import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditRowHash, GENESIS_HASH, verifyChain, type AuditRecord, type ChainedAuditRecord } from '../../common/audit-chain';

// How chains already written by both sides were hashed before the module was shared; a stored chain
// must still verify.
const storedFormatHash = (prev: string, r: AuditRecord) =>
  createHash('sha256').update(prev).update('\n').update(JSON.stringify([r.seq, r.at, r.actor, r.action, r.requestId, r.place, r.detail])).digest('hex');

function chain(records: AuditRecord[]): ChainedAuditRecord[] {
  let prevHash = GENESIS_HASH;
  return records.map((r) => {
    const hash = auditRowHash(prevHash, r);
    const row = { ...r, prevHash, hash };
    prevHash = hash;
    return row;
  });
}

const records: AuditRecord[] = [
  { seq: 1, at: '2026-11-24T01:00:00.000Z', actor: 'S0001', action: 'request.create', requestId: 'r-00000001', place: 'car-1', detail: '{"kind":"juminhyo"}' },
  { seq: 2, at: '2026-11-24T01:00:01.000Z', actor: 'resident', action: 'request.confirm', requestId: 'r-00000001', place: 'car-1', detail: '{}' },
  { seq: 3, at: '2026-11-24T01:02:00.000Z', actor: 'op-1', action: 'request.approved', requestId: null, place: 'hub', detail: '{"note":"磐城"}' },
];

describe('the shared audit chain', () => {
  it('hashes exactly as the chains already stored on both sides were hashed', () => {
    let prev = GENESIS_HASH;
    for (const r of records) {
      expect(auditRowHash(prev, r)).toBe(storedFormatHash(prev, r));
      prev = storedFormatHash(prev, r);
    }
  });

  it('verifies an intact chain and names the first edited, relinked or missing record', () => {
    const rows = chain(records);
    expect(verifyChain(rows)).toEqual({ ok: true, rows: 3 });
    expect(verifyChain(rows.map((r) => (r.seq === 2 ? { ...r, actor: 'S0002' } : r)))).toMatchObject({ ok: false, brokenAt: 2, why: '記録の内容が書き換えられています' });
    expect(verifyChain(rows.map((r) => (r.seq === 3 ? { ...r, prevHash: GENESIS_HASH } : r)))).toMatchObject({ ok: false, brokenAt: 3, why: '前の記録とのつながりが合いません' });
    expect(verifyChain([rows[0]!, rows[2]!])).toMatchObject({ ok: false, brokenAt: 3 });
  });
});
