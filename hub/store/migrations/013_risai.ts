import type { HubMigration } from './types';

// The roles as this step leaves them, written out: a shipped migration never follows later edits of protocol/roles.ts.
const ROLES = "'operator', 'consultant', 'dispatcher', 'planning', 'admin', 'tax'";

const tables = (blob: string, strict: string) => `
  CREATE TABLE risai_disasters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('earthquake', 'storm_flood', 'fire', 'other')),
    date TEXT NOT NULL,
    area TEXT NOT NULL,
    self_assessment INTEGER NOT NULL CHECK (self_assessment IN (0, 1)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
  )${strict};

  CREATE TABLE risai_applications (
    id TEXT PRIMARY KEY,
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    number TEXT NOT NULL,
    disaster_id TEXT NOT NULL REFERENCES risai_disasters (id),
    district TEXT NOT NULL,
    survey TEXT NOT NULL CHECK (survey IN ('on_site', 'self_assessment')),
    input TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'scheduling', 'surveyed', 'judged', 'issued')),
    grade TEXT CHECK (grade IN ('total', 'large_half', 'medium_half', 'half', 'semi_half', 'partial')),
    photo_count INTEGER NOT NULL,
    complete_at TEXT,
    staff_id TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )${strict};
  CREATE INDEX risai_applications_queue ON risai_applications (disaster_id, status, district);

  CREATE TABLE risai_photos (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES risai_applications (id),
    position INTEGER NOT NULL,
    taken_at TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    chunk_writes INTEGER NOT NULL DEFAULT 0,
    data ${blob},
    complete_at TEXT,
    UNIQUE (application_id, position)
  )${strict};

  CREATE TABLE risai_chunks (
    photo_id TEXT NOT NULL REFERENCES risai_photos (id),
    idx INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data ${blob} NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, idx)
  )${strict};

  CREATE TABLE risai_status_events (
    application_id TEXT NOT NULL REFERENCES risai_applications (id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    grade TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (application_id, seq)
  )${strict};
`;

/**
 * り災証明書 applications taken in the vehicles: the disasters the city takes them for, the
 * applications, their photos (each whole only once every chunk arrived and the whole sha256 matched;
 * `chunk_writes` counts the chunks written, so a chunk applied twice would show), the chunks still
 * waiting to make a photo, and each status an application passed through. The tax department (資産税課)
 * works the queue: the operators' role CHECK takes 'tax', the table rebuilt on SQLite as in 011.
 */
export const m013Risai: HubMigration = {
  version: 13,
  name: 'risai',
  sqliteForeignKeysOff: true,
  sqlite: `
    CREATE TABLE operators_new (
      id TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN (${ROLES})),
      password_hash TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL
    ) STRICT;
    INSERT INTO operators_new (id, display_name, role, password_hash, active, created_at)
      SELECT id, display_name, role, password_hash, active, created_at FROM operators;
    DROP TABLE operators;
    ALTER TABLE operators_new RENAME TO operators;
    ${tables('BLOB', ' STRICT')}
  `,
  postgres: `
    ALTER TABLE operators DROP CONSTRAINT operators_role_check;
    ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN (${ROLES}));
    ${tables('BYTEA', '')}
  `,
};
