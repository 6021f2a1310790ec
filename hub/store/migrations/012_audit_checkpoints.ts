import type { HubMigration } from './types';

const table = (strict: string) => `
  CREATE TABLE audit_checkpoints (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    signature TEXT NOT NULL
  )${strict};
`;

/**
 * Signed checkpoints of the hub's audit chain: the hash of the chain at a sequence number, signed with
 * a key kept outside the database (pki/audit-signing.key). Someone who can write the database can
 * recompute every hash after an edit, but cannot sign the new hashes: `hub audit verify` and the hub's
 * start find the chain and its checkpoints disagree.
 */
export const m012AuditCheckpoints: HubMigration = {
  version: 12,
  name: 'audit_checkpoints',
  sqlite: table(' STRICT'),
  postgres: table(''),
};
