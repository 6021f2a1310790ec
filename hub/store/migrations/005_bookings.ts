import type { HubMigration } from './types';

const table = (strict: string) => `
  CREATE TABLE bookings (
    id TEXT PRIMARY KEY,
    external_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('line', 'phone', 'web')),
    area TEXT NOT NULL CHECK (area IN ('north', 'south')),
    district TEXT NOT NULL,
    visit_date TEXT NOT NULL,
    slot TEXT NOT NULL CHECK (slot IN ('am', 'pm1', 'pm2')),
    resident TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    coverage TEXT NOT NULL CHECK (coverage IN ('yes', 'no', 'unknown')),
    parking TEXT NOT NULL CHECK (parking IN ('yes', 'no', 'unknown')),
    services TEXT NOT NULL,
    notes TEXT,
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    cancel_reason TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
  )${strict};
  CREATE UNIQUE INDEX bookings_external ON bookings (channel, external_id);
  CREATE UNIQUE INDEX bookings_slot_booked ON bookings (area, visit_date, slot) WHERE status = 'booked';
  CREATE INDEX bookings_visit_date ON bookings (area, visit_date);
`;

/**
 * Home-visit bookings (デマンド運行). The partial unique index is the final arbiter of capacity: one
 * booked row per area, date and slot, whichever process or channel takes it; a cancelled row gives the
 * slot back. The same booking arriving twice from a channel is one row (channel, external_id). The
 * resident (name, kana, birth date, address, phone) and the eligibility (reasons and a note) are
 * personal data kept as JSON text: never logged,
 * never in the audit log. The same table in both dialects but for SQLite's STRICT typing.
 */
export const m005Bookings: HubMigration = {
  version: 5,
  name: 'bookings',
  sqlite: table(' STRICT'),
  postgres: table(''),
};
