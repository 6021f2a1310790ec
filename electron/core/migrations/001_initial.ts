import type { Migration } from './types';

/**
 * The terminal's first schema. Personal fields live only inside `sealed` columns (AES-256-GCM);
 * the audit log is append-only (triggers) and hash-chained (see audit.ts). Indexes are few on
 * purpose: every index is one more page to sync on each durable write. Delivered outbox rows are
 * deleted, so the outbox holds only what waits and needs no index of its own.
 */
export const m001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE staff (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        pin_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
      ) STRICT;

      CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        number TEXT NOT NULL,
        kind TEXT NOT NULL,
        copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 10),
        fee_yen INTEGER NOT NULL CHECK (fee_yen >= 0),
        step TEXT NOT NULL,
        resident_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (resident_confirmed IN (0, 1)),
        personal_sealed BLOB,
        identity_sealed BLOB,
        payment TEXT,
        reason TEXT,
        staff_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (day, number)
      ) STRICT;

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        request_id TEXT NOT NULL REFERENCES requests (id),
        kind TEXT NOT NULL,
        payload_sealed BLOB NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at TEXT
      ) STRICT;

      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        request_id TEXT,
        place TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `);
  },
};
