import type { HubMigration } from './types';

// The services as this step leaves them, written out: a shipped migration never follows later edits of protocol/records.ts.
const SERVICES = "'certificate', 'mynumber_card', 'garbage_ticket', 'consultation', 'frailty', 'smartphone', 'risai'";

/**
 * A り災証明書 application taken during an outing counts its applicant among the people served: a
 * person's services take 'risai' (no column of the city's table; the person counts in 計). SQLite
 * cannot widen a CHECK, so outing_services is rebuilt as in 011 (nothing refers to it, so foreign keys
 * stay on) with its report index made again; PostgreSQL drops the constraint and adds it back wider.
 */
export const m015RisaiCounted: HubMigration = {
  version: 15,
  name: 'risai_counted',
  sqlite: `
    CREATE TABLE outing_services_new (
      outing_id TEXT NOT NULL REFERENCES outings (id),
      person_no INTEGER NOT NULL CHECK (person_no >= 1),
      service TEXT NOT NULL CHECK (service IN (${SERVICES})),
      department TEXT,
      month TEXT NOT NULL,
      kind TEXT NOT NULL,
      place TEXT NOT NULL,
      counts_person INTEGER NOT NULL CHECK (counts_person IN (0, 1)),
      PRIMARY KEY (outing_id, person_no, service)
    ) STRICT;
    INSERT INTO outing_services_new (outing_id, person_no, service, department, month, kind, place, counts_person)
      SELECT outing_id, person_no, service, department, month, kind, place, counts_person FROM outing_services;
    DROP TABLE outing_services;
    ALTER TABLE outing_services_new RENAME TO outing_services;
    CREATE INDEX outing_services_report ON outing_services (month, kind, place, service, counts_person);
  `,
  postgres: `
    ALTER TABLE outing_services DROP CONSTRAINT outing_services_service_check;
    ALTER TABLE outing_services ADD CONSTRAINT outing_services_service_check CHECK (service IN (${SERVICES}));
  `,
};
