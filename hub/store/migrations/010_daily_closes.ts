import type { HubMigration } from './types';

const METHODS = "'cash', 'credit_card', 'electronic_money', 'qr_code'";

const tables = (strict: string) => `
  CREATE TABLE daily_closes (
    outing_id TEXT PRIMARY KEY REFERENCES outings (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    date TEXT NOT NULL,
    month TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    fees_yen INTEGER NOT NULL,
    goods_yen INTEGER NOT NULL,
    refunds_yen INTEGER NOT NULL,
    expected_yen INTEGER NOT NULL,
    counted_yen INTEGER NOT NULL,
    difference_yen INTEGER NOT NULL,
    reason TEXT,
    counted TEXT NOT NULL,
    cashless TEXT NOT NULL,
    received_at TEXT NOT NULL,
    CHECK (difference_yen = 0 OR reason IS NOT NULL)
  )${strict};
  CREATE INDEX daily_closes_month ON daily_closes (month, date);

  CREATE TABLE daily_close_lines (
    outing_id TEXT NOT NULL REFERENCES daily_closes (outing_id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    month TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('fee', 'goods', 'refund')),
    item TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    method TEXT NOT NULL CHECK (method IN (${METHODS})),
    amount_yen INTEGER NOT NULL CHECK (amount_yen >= 0),
    PRIMARY KEY (outing_id, line_no)
  )${strict};
  CREATE INDEX daily_close_lines_summary ON daily_close_lines (month, kind, item, method);
`;

/**
 * The daily closes (日計表) that ride the vehicles' outing records: one row per outing with its cash
 * check and the cashless check (JSON, per method), and its money lines — amounts, kind, method, no
 * personal data and no request ids — carrying the month so the monthly fee summary is one GROUP BY.
 */
export const m010DailyCloses: HubMigration = {
  version: 10,
  name: 'daily_closes',
  sqlite: tables(' STRICT'),
  postgres: tables(''),
};
