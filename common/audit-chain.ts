// The audit chain of protocol/audit-chain.ts bound to node:crypto's SHA-256, for the stores of both
// sides (the vehicle's audit log and every hub store).
import { createHash } from 'node:crypto';
import { auditHashInput, verifyAuditChain, type AuditRecord, type ChainedAuditRecord, type ChainVerdict } from '../protocol/audit-chain';

export { GENESIS_HASH, type AuditRecord, type ChainedAuditRecord, type ChainVerdict } from '../protocol/audit-chain';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash of one record, chained to the previous record's hash. */
export function auditRowHash(prevHash: string, row: AuditRecord): string {
  return sha256Hex(auditHashInput(prevHash, row));
}

export function verifyChain(rows: Iterable<ChainedAuditRecord>): ChainVerdict {
  return verifyAuditChain(rows, sha256Hex);
}
