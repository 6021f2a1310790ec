import type { Migration } from './types';

/**
 * Sync with city hall: an outbox message the hub rejects (malformed, unknown) is moved aside with its
 * code instead of blocking the queue; hub messages already applied are remembered by their inbox
 * number; an operator's question waits for staff; purged requests remember when.
 */
export const m003Sync: Migration = {
  version: 3,
  name: 'sync',
  up(db) {
    db.exec(`
      ALTER TABLE outbox ADD COLUMN rejected_code TEXT;
      ALTER TABLE outbox ADD COLUMN rejected_at TEXT;
      ALTER TABLE requests ADD COLUMN purged_at TEXT;

      CREATE TABLE hub_inbox_applied (
        seq INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        request_id TEXT,
        outcome TEXT NOT NULL,
        applied_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE hub_questions (
        seq INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES requests (id),
        text_sealed BLOB NOT NULL,
        operator_id TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        seen_at TEXT
      ) STRICT;
    `);
  },
};
