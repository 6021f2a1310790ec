import type { HubMigration } from './types';

const table = (strict: string) => `
  CREATE TABLE intake_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
  )${strict};
`;

/**
 * The keys of the booking intake API (the smartphone-city-hall system's relay signs each call with
 * one). The hub computes the HMAC itself, so the secret is kept as issued, in the hub's database only:
 * never logged, never in the audit log. A revoked key stays, so its id is never given out again and the
 * audit log's `intake:KEY_ID` actors keep their meaning. The same table in both dialects but for
 * SQLite's STRICT typing.
 */
export const m007IntakeKeys: HubMigration = {
  version: 7,
  name: 'intake_keys',
  sqlite: table(' STRICT'),
  postgres: table(''),
};
