import type { Migration } from './types';

/**
 * Things to do on the next visit that could not be done now (マイナ保険証紐付け needs the network):
 * who to call back, sealed like every personal field, removed once done.
 */
export const m004NextVisit: Migration = {
  version: 4,
  name: 'next_visit',
  up(db) {
    db.exec(`
      CREATE TABLE next_visit_tasks (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('insurance_link')),
        person_sealed BLOB NOT NULL,
        staff_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
