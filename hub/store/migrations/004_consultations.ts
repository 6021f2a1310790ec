import type { HubMigration } from './types';

const table = (strict: string) => `
  CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    staff_id TEXT NOT NULL,
    department TEXT NOT NULL CHECK (department IN ('welfare_health', 'life_events', 'pension', 'sign_language')),
    consultant_id TEXT REFERENCES operators (id),
    called_at TEXT NOT NULL,
    connected_at TEXT,
    ended_at TEXT,
    outcome TEXT CHECK (outcome IN ('completed', 'abandoned', 'interrupted', 'consultant_left')),
    notes TEXT,
    notes_updated_at TEXT,
    CHECK ((ended_at IS NULL) = (outcome IS NULL)),
    CHECK ((connected_at IS NULL) = (consultant_id IS NULL))
  )${strict};
  CREATE INDEX consultations_called_at ON consultations (called_at);
  CREATE INDEX consultations_consultant ON consultations (consultant_id, called_at);
`;

/**
 * Video consultations: one record per call — department, times, how it ended, who took part (staff in
 * the vehicle, consultant at city hall). No media is recorded. The consultant's notes are personal
 * data kept only here; they never go to the audit log or back to the vehicle. The same table in both
 * dialects but for SQLite's STRICT typing.
 */
export const m004Consultations: HubMigration = {
  version: 4,
  name: 'consultations',
  sqlite: table(' STRICT'),
  postgres: table(''),
};
