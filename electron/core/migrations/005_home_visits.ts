import type { Migration } from './types';

/**
 * The day's home visits (本日の訪問), pulled from city hall so they are there with no network. Only
 * the booking id, day, slot and status are plain: the booking (the resident, what they want, notes)
 * and the outcome's reason are sealed, bound to the visit's id, and go once city hall holds the
 * outcome. The outbox now also carries messages about visits and next-visit tasks, so its subject
 * column (still named request_id) no longer references a request: the table is rebuilt without that
 * foreign key, keeping its rows and its sequence.
 */
export const m005HomeVisits: Migration = {
  version: 5,
  name: 'home_visits',
  up(db) {
    const sequence = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get()?.seq ?? null;
    db.exec(`
      CREATE TABLE outbox_rebuilt (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        request_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload_sealed BLOB NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at TEXT,
        rejected_code TEXT,
        rejected_at TEXT
      ) STRICT;
      INSERT INTO outbox_rebuilt (seq, idempotency_key, request_id, kind, payload_sealed, created_at, attempts, last_error, delivered_at, rejected_code, rejected_at)
        SELECT seq, idempotency_key, request_id, kind, payload_sealed, created_at, attempts, last_error, delivered_at, rejected_code, rejected_at FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_rebuilt RENAME TO outbox;

      CREATE TABLE home_visits (
        id TEXT PRIMARY KEY,
        visit_date TEXT NOT NULL,
        slot TEXT NOT NULL CHECK (slot IN ('am', 'pm1', 'pm2')),
        start TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('planned', 'open', 'done', 'absent', 'postponed', 'cancelled')),
        booking_sealed BLOB,
        request_ids TEXT NOT NULL DEFAULT '[]',
        outcome_reason_sealed BLOB,
        outcome_at TEXT,
        outcome_by TEXT,
        outcome_key TEXT,
        pulled_at TEXT NOT NULL,
        purged_at TEXT,
        CHECK ((status IN ('planned', 'open')) = (outcome_at IS NULL))
      ) STRICT;
      CREATE INDEX home_visits_day ON home_visits (visit_date, start);
    `);
    // Delivered rows were deleted: keep numbering after the highest seq ever given, not the highest kept.
    if (sequence !== null) db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox'").run(sequence);
  },
};
