import type { Migration } from './types';

/**
 * り災証明書 applications. The disasters list is a cache of the hub's (pulled when online) so staff can
 * choose offline. An application keeps its personal fields sealed (AES-256-GCM, like requests) until
 * city hall holds all of it; its photos keep their bytes sealed, with how many chunks the hub is known
 * to hold, until the hub has verified the whole photo — then the bytes go.
 */
export const m009Risai: Migration = {
  version: 9,
  name: 'risai',
  up(db) {
    db.exec(`
      CREATE TABLE risai_disasters (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        date TEXT NOT NULL,
        area TEXT NOT NULL,
        self_assessment INTEGER NOT NULL CHECK (self_assessment IN (0, 1)),
        created_at TEXT NOT NULL,
        pulled_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE risai_applications (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        disaster_id TEXT NOT NULL,
        survey TEXT NOT NULL CHECK (survey IN ('on_site', 'self_assessment')),
        state TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'delivered', 'complete')),
        personal_sealed BLOB,
        staff_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        submitted_at TEXT,
        completed_at TEXT
      ) STRICT;

      CREATE TABLE risai_photos (
        id TEXT PRIMARY KEY,
        application_id TEXT NOT NULL REFERENCES risai_applications (id),
        position INTEGER NOT NULL,
        taken_at TEXT NOT NULL,
        bytes INTEGER NOT NULL CHECK (bytes > 0),
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        chunks INTEGER NOT NULL CHECK (chunks > 0),
        chunks_at_hub INTEGER NOT NULL DEFAULT 0,
        data_sealed BLOB,
        verified_at TEXT,
        UNIQUE (application_id, position)
      ) STRICT;
      CREATE INDEX risai_photos_waiting ON risai_photos (application_id) WHERE data_sealed IS NOT NULL;
    `);
  },
};
