import type { HubMigration } from './types';

const tables = (strict: string) => `
  CREATE TABLE visit_assignments (
    area TEXT NOT NULL CHECK (area IN ('north', 'south')),
    visit_date TEXT NOT NULL,
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (area, visit_date)
  )${strict};
  CREATE INDEX visit_assignments_vehicle ON visit_assignments (vehicle_id, visit_date);

  CREATE TABLE visit_outcomes (
    booking_id TEXT PRIMARY KEY REFERENCES bookings (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'absent', 'postponed', 'cancelled')),
    reason TEXT,
    staff_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    CHECK (outcome = 'done' OR reason IS NOT NULL)
  )${strict};
`;

/**
 * The day's home visits: which vehicle drives an area's visit day (one vehicle per area and day; the
 * dispatcher reassigns by replacing the row), and how each booked visit ended, as the vehicle recorded
 * it (its clock) and when the hub received it. One outcome per booking: the first one the hub receives.
 * The reason may name the resident's circumstances: never logged, never in the audit log.
 */
export const m008Visits: HubMigration = {
  version: 8,
  name: 'visits',
  sqlite: tables(' STRICT'),
  postgres: tables(''),
};
