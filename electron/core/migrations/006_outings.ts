import type { Migration } from './types';

/**
 * Outings (運行): one row per outing, the work counted during it and the goods sold. No personal
 * data: a served person is at most a keyed hash of their folded name and birth date, under a key
 * kept with the open outing only; both the key and the hashes are cleared when the outing ends.
 */
export const m006Outings: Migration = {
  version: 6,
  name: 'outings',
  up(db) {
    db.exec(`
      CREATE TABLE outings (
        id TEXT PRIMARY KEY,
        outing_date TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('patrol', 'on_demand', 'disaster', 'early_voting', 'other')),
        place TEXT,
        staff TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_by TEXT NOT NULL,
        ended_at TEXT,
        ended_by TEXT,
        person_hash_key BLOB,
        explained INTEGER NOT NULL DEFAULT 0 CHECK (explained >= 0),
        record_key TEXT,
        record_delivered_at TEXT,
        CHECK ((ended_at IS NULL) = (record_key IS NULL)),
        CHECK (ended_at IS NULL OR person_hash_key IS NULL)
      ) STRICT;
      -- One outing open at a time.
      CREATE UNIQUE INDEX outings_one_open ON outings ((1)) WHERE ended_at IS NULL;

      CREATE TABLE outing_services (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        outing_id TEXT NOT NULL REFERENCES outings (id),
        person_key TEXT,
        service TEXT NOT NULL CHECK (service IN ('certificate', 'mynumber_card', 'garbage_ticket', 'consultation', 'frailty', 'smartphone')),
        department TEXT,
        source TEXT NOT NULL,
        source_id TEXT,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX outing_services_outing ON outing_services (outing_id, seq);
      -- The same piece of work (a request handed over, a call ended) counts once.
      CREATE UNIQUE INDEX outing_services_source ON outing_services (outing_id, source, source_id) WHERE source_id IS NOT NULL;

      CREATE TABLE outing_sales (
        id TEXT PRIMARY KEY,
        outing_id TEXT NOT NULL REFERENCES outings (id),
        item_id TEXT NOT NULL,
        item_name TEXT NOT NULL,
        unit_yen INTEGER NOT NULL CHECK (unit_yen >= 0),
        quantity INTEGER NOT NULL CHECK (quantity >= 1),
        payment_method TEXT NOT NULL,
        tendered_yen INTEGER,
        change_yen INTEGER,
        receipt_job_id TEXT,
        sold_by TEXT NOT NULL,
        sold_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX outing_sales_outing ON outing_sales (outing_id);
    `);
  },
};
