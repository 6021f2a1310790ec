import type { Migration } from './types';

/**
 * The money of each outing (日計表): a ledger line for every fee, goods sale and refund due taken while
 * an outing is open — amounts, kind, method and ids only, no personal data — and the outing's close.
 * Once an outing is closed its lines cannot be added to, changed or removed, and the close itself never
 * changes: the triggers hold this whatever code runs.
 */
export const m007DailyClose: Migration = {
  version: 7,
  name: 'daily_close',
  up(db) {
    db.exec(`
      CREATE TABLE outing_money (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        outing_id TEXT NOT NULL REFERENCES outings (id),
        kind TEXT NOT NULL CHECK (kind IN ('fee', 'goods', 'refund')),
        item TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 1),
        method TEXT NOT NULL CHECK (method IN ('cash', 'credit_card', 'electronic_money', 'qr_code')),
        amount_yen INTEGER NOT NULL CHECK (amount_yen >= 0),
        tendered_yen INTEGER,
        change_yen INTEGER NOT NULL DEFAULT 0 CHECK (change_yen >= 0),
        source_id TEXT NOT NULL,
        at TEXT NOT NULL,
        CHECK ((method = 'cash' AND kind <> 'refund') = (tendered_yen IS NOT NULL))
      ) STRICT;
      CREATE INDEX outing_money_outing ON outing_money (outing_id, seq);
      -- A request is paid once and refunded once; a sale is one line.
      CREATE UNIQUE INDEX outing_money_source ON outing_money (kind, source_id);

      CREATE TABLE outing_closes (
        outing_id TEXT PRIMARY KEY REFERENCES outings (id),
        close TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        print_job_id TEXT
      ) STRICT;

      CREATE TRIGGER outing_money_closed_insert BEFORE INSERT ON outing_money
      WHEN EXISTS (SELECT 1 FROM outing_closes WHERE outing_id = NEW.outing_id)
        OR EXISTS (SELECT 1 FROM outings WHERE id = NEW.outing_id AND ended_at IS NOT NULL)
      BEGIN SELECT RAISE(ABORT, 'outing closed: its money cannot change'); END;
      CREATE TRIGGER outing_money_closed_update BEFORE UPDATE ON outing_money
      WHEN EXISTS (SELECT 1 FROM outing_closes WHERE outing_id IN (OLD.outing_id, NEW.outing_id))
      BEGIN SELECT RAISE(ABORT, 'outing closed: its money cannot change'); END;
      CREATE TRIGGER outing_money_closed_delete BEFORE DELETE ON outing_money
      WHEN EXISTS (SELECT 1 FROM outing_closes WHERE outing_id = OLD.outing_id)
      BEGIN SELECT RAISE(ABORT, 'outing closed: its money cannot change'); END;
      CREATE TRIGGER outing_closes_no_update BEFORE UPDATE OF outing_id, close, closed_at, closed_by ON outing_closes
      BEGIN SELECT RAISE(ABORT, 'a close never changes'); END;
      CREATE TRIGGER outing_closes_no_delete BEFORE DELETE ON outing_closes
      BEGIN SELECT RAISE(ABORT, 'a close never changes'); END;
    `);
  },
};
