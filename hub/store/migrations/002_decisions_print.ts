import type { HubMigration } from './types';

/**
 * Step 4 at city hall: operators' decisions and questions, the certificates issued (PDF kept with its
 * serial and verification code), the signed print jobs sent to a vehicle, reprint requests awaiting an
 * operator, and the dead letters (malformed or unknown vehicle messages kept aside for admins).
 */
export const m002DecisionsPrint: HubMigration = {
  version: 2,
  name: 'decisions_print',
  sqlite: `
    CREATE TABLE decisions (
      request_id TEXT PRIMARY KEY REFERENCES requests (id),
      decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
      reason TEXT,
      operator_id TEXT NOT NULL REFERENCES operators (id),
      decided_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE questions (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
      operator_id TEXT NOT NULL REFERENCES operators (id),
      asked_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX questions_request ON questions (request_id);

    CREATE TABLE documents (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL UNIQUE REFERENCES requests (id),
      kind TEXT NOT NULL,
      serial TEXT NOT NULL UNIQUE,
      verification_code TEXT NOT NULL UNIQUE,
      pdf BLOB NOT NULL,
      sha256 TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      issued_by TEXT NOT NULL
    ) STRICT;

    CREATE TABLE print_jobs (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      document_id TEXT NOT NULL REFERENCES documents (id),
      copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 10),
      sha256 TEXT NOT NULL,
      signature TEXT NOT NULL,
      reprint_of TEXT REFERENCES print_jobs (id),
      inbox_seq INTEGER NOT NULL,
      issued_at TEXT NOT NULL,
      issued_by TEXT NOT NULL
    ) STRICT;
    CREATE INDEX print_jobs_request ON print_jobs (request_id);
    -- One reprint per original job, as on the vehicle.
    CREATE UNIQUE INDEX print_jobs_one_reprint ON print_jobs (reprint_of) WHERE reprint_of IS NOT NULL;

    CREATE TABLE reprint_requests (
      id TEXT NOT NULL,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      job_id TEXT NOT NULL REFERENCES print_jobs (id),
      request_id TEXT NOT NULL REFERENCES requests (id),
      reason TEXT NOT NULL,
      staff_id TEXT NOT NULL,
      requested_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      decided_by TEXT REFERENCES operators (id),
      decided_at TEXT,
      new_job_id TEXT REFERENCES print_jobs (id),
      PRIMARY KEY (vehicle_id, id)
    ) STRICT;
    CREATE UNIQUE INDEX reprint_requests_one_per_job ON reprint_requests (job_id);
    CREATE INDEX reprint_requests_status ON reprint_requests (status, received_at);

    CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY,
      vehicle_id TEXT NOT NULL,
      idempotency_key TEXT,
      code TEXT NOT NULL,
      problem TEXT NOT NULL,
      payload TEXT NOT NULL,
      received_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX dead_letters_received ON dead_letters (received_at);
  `,
  postgres: `
    CREATE TABLE decisions (
      request_id TEXT PRIMARY KEY REFERENCES requests (id),
      decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
      reason TEXT,
      operator_id TEXT NOT NULL REFERENCES operators (id),
      decided_at TEXT NOT NULL
    );

    CREATE TABLE questions (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      text TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 500),
      operator_id TEXT NOT NULL REFERENCES operators (id),
      asked_at TEXT NOT NULL
    );
    CREATE INDEX questions_request ON questions (request_id);

    CREATE TABLE documents (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL UNIQUE REFERENCES requests (id),
      kind TEXT NOT NULL,
      serial TEXT NOT NULL UNIQUE,
      verification_code TEXT NOT NULL UNIQUE,
      pdf BYTEA NOT NULL,
      sha256 TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      issued_by TEXT NOT NULL
    );

    CREATE TABLE print_jobs (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      document_id TEXT NOT NULL REFERENCES documents (id),
      copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 10),
      sha256 TEXT NOT NULL,
      signature TEXT NOT NULL,
      reprint_of TEXT REFERENCES print_jobs (id),
      inbox_seq INTEGER NOT NULL,
      issued_at TEXT NOT NULL,
      issued_by TEXT NOT NULL
    );
    CREATE INDEX print_jobs_request ON print_jobs (request_id);
    CREATE UNIQUE INDEX print_jobs_one_reprint ON print_jobs (reprint_of) WHERE reprint_of IS NOT NULL;

    CREATE TABLE reprint_requests (
      id TEXT NOT NULL,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      job_id TEXT NOT NULL REFERENCES print_jobs (id),
      request_id TEXT NOT NULL REFERENCES requests (id),
      reason TEXT NOT NULL,
      staff_id TEXT NOT NULL,
      requested_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      decided_by TEXT REFERENCES operators (id),
      decided_at TEXT,
      new_job_id TEXT REFERENCES print_jobs (id),
      PRIMARY KEY (vehicle_id, id)
    );
    CREATE UNIQUE INDEX reprint_requests_one_per_job ON reprint_requests (job_id);
    CREATE INDEX reprint_requests_status ON reprint_requests (status, received_at);

    CREATE TABLE dead_letters (
      id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      vehicle_id TEXT NOT NULL,
      idempotency_key TEXT,
      code TEXT NOT NULL,
      problem TEXT NOT NULL,
      payload TEXT NOT NULL,
      received_at TEXT NOT NULL
    );
    CREATE INDEX dead_letters_received ON dead_letters (received_at);
  `,
};
