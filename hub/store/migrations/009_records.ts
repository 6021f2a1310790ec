import type { HubMigration } from './types';

const KINDS = "'patrol', 'on_demand', 'disaster', 'early_voting', 'other'";
const SERVICES = "'certificate', 'mynumber_card', 'garbage_ticket', 'consultation', 'frailty', 'smartphone'";

const tables = (strict: string, serial: string) => `
  CREATE TABLE outings (
    id TEXT PRIMARY KEY,
    vehicle_id TEXT REFERENCES vehicles (id),
    source TEXT NOT NULL CHECK (source IN ('vehicle', 'import')),
    date TEXT,
    fiscal_year INTEGER NOT NULL,
    month TEXT,
    kind TEXT NOT NULL CHECK (kind IN (${KINDS})),
    place TEXT,
    staff TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    explained INTEGER NOT NULL CHECK (explained >= 0),
    received_at TEXT NOT NULL
  )${strict};
  CREATE INDEX outings_report ON outings (month, kind, place, explained);
  CREATE INDEX outings_fiscal_year ON outings (fiscal_year, month);

  CREATE TABLE outing_services (
    outing_id TEXT NOT NULL REFERENCES outings (id),
    person_no INTEGER NOT NULL CHECK (person_no >= 1),
    service TEXT NOT NULL CHECK (service IN (${SERVICES})),
    department TEXT,
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    counts_person INTEGER NOT NULL CHECK (counts_person IN (0, 1)),
    PRIMARY KEY (outing_id, person_no, service)
  )${strict};
  CREATE INDEX outing_services_report ON outing_services (month, kind, place, service, counts_person);

  CREATE TABLE outing_sales (
    outing_id TEXT NOT NULL REFERENCES outings (id),
    line_no INTEGER NOT NULL,
    item TEXT NOT NULL,
    unit_yen INTEGER NOT NULL CHECK (unit_yen >= 0),
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (outing_id, line_no)
  )${strict};

  CREATE TABLE imported_records (
    id ${serial},
    fiscal_year INTEGER NOT NULL,
    month TEXT,
    kind TEXT NOT NULL CHECK (kind IN (${KINDS})),
    place TEXT NOT NULL,
    outings INTEGER NOT NULL CHECK (outings >= 0),
    certificate INTEGER,
    mynumber_card INTEGER,
    garbage_ticket INTEGER,
    consultation INTEGER,
    frailty INTEGER,
    smartphone INTEGER,
    people INTEGER,
    explained INTEGER,
    line_no INTEGER NOT NULL,
    file_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
  )${strict};
  CREATE UNIQUE INDEX imported_records_row ON imported_records (fiscal_year, COALESCE(month, ''), kind, place);
  CREATE INDEX imported_records_report ON imported_records (month, fiscal_year);
`;

/**
 * The city's records (実績). An outing a vehicle ran, with one row per person and service served —
 * a running person number within the outing, never who they were — carrying the outing's month, kind
 * and place so a report groups one table; counts_person marks one row per person (計 counts each person
 * once). Goods sold per outing. The city's earlier years, imported as the aggregate rows it printed:
 * a NULL count is the printed 「-」 (not offered), and a row (year, month, kind, place) is imported once.
 * place is '' where a kind has none, so the row key needs no NULL handling.
 */
export const m009Records: HubMigration = {
  version: 9,
  name: 'records',
  sqlite: tables(' STRICT', 'INTEGER PRIMARY KEY'),
  postgres: tables('', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'),
};
