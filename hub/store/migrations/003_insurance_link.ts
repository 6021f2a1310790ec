import type { HubMigration } from './types';

/**
 * マイナ保険証紐付け at the hub: the one-time challenges given to vehicles (bound to the vehicle, used at
 * most once, with the outcome of their use) and the links the stand-in linking adapter records. The
 * insurance card's fields are personal data the city keeps here; they never go to the audit log.
 */
export const m003InsuranceLink: HubMigration = {
  version: 3,
  name: 'insurance_link',
  sqlite: `
    CREATE TABLE insurance_link_challenges (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      challenge BLOB NOT NULL CHECK (length(challenge) = 32),
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      used_at TEXT,
      outcome TEXT,
      CHECK ((used_at IS NULL) = (outcome IS NULL))
    ) STRICT;

    CREATE TABLE insurance_links (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      staff_id TEXT NOT NULL,
      certificate_serial TEXT NOT NULL,
      certificate_subject TEXT NOT NULL,
      insurer_number TEXT NOT NULL CHECK (length(insurer_number) IN (6, 8)),
      symbol TEXT,
      number TEXT NOT NULL,
      branch TEXT,
      linked_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX insurance_links_certificate ON insurance_links (certificate_serial);
  `,
  postgres: `
    CREATE TABLE insurance_link_challenges (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      challenge BYTEA NOT NULL CHECK (octet_length(challenge) = 32),
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      used_at TEXT,
      outcome TEXT,
      CHECK ((used_at IS NULL) = (outcome IS NULL))
    );

    CREATE TABLE insurance_links (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      staff_id TEXT NOT NULL,
      certificate_serial TEXT NOT NULL,
      certificate_subject TEXT NOT NULL,
      insurer_number TEXT NOT NULL CHECK (char_length(insurer_number) IN (6, 8)),
      symbol TEXT,
      number TEXT NOT NULL,
      branch TEXT,
      linked_at TEXT NOT NULL
    );
    CREATE INDEX insurance_links_certificate ON insurance_links (certificate_serial);
  `,
};
