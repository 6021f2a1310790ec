import type { Migration } from './types';

/**
 * A り災証明書 application taken during an outing counts its applicant among the people served: the
 * outing's service events take 'risai'. SQLite cannot widen a CHECK, so the table is rebuilt (a new
 * table, every row copied with its sequence number, the old one dropped, the new one renamed) and its
 * indexes made again. Nothing refers to outing_services, so foreign keys stay on.
 */
export const m011RisaiCounted: Migration = {
  version: 11,
  name: 'risai_counted',
  up(db) {
    db.exec(`
      CREATE TABLE outing_services_new (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        outing_id TEXT NOT NULL REFERENCES outings (id),
        person_key TEXT,
        service TEXT NOT NULL CHECK (service IN ('certificate', 'mynumber_card', 'garbage_ticket', 'consultation', 'frailty', 'smartphone', 'risai')),
        department TEXT,
        source TEXT NOT NULL,
        source_id TEXT,
        at TEXT NOT NULL
      ) STRICT;
      INSERT INTO outing_services_new (seq, outing_id, person_key, service, department, source, source_id, at)
        SELECT seq, outing_id, person_key, service, department, source, source_id, at FROM outing_services;
      DROP TABLE outing_services;
      ALTER TABLE outing_services_new RENAME TO outing_services;
      CREATE INDEX outing_services_outing ON outing_services (outing_id, seq);
      -- The same piece of work (a request handed over, a call ended, an application taken) counts once.
      CREATE UNIQUE INDEX outing_services_source ON outing_services (outing_id, source, source_id) WHERE source_id IS NOT NULL;
    `);
  },
};
