import type { Migration } from './types';

/**
 * The print ledger: one row per print job, written before the first byte leaves for the printer,
 * so a crash between sending and confirmation leaves a `sending` row that becomes
 * `outcome_unknown` instead of a silent resend. Reprint requests and spoiled sheets (書き損じ) are
 * kept beside it for the operator's approval and the end-of-day count.
 */
export const m002PrintJobs: Migration = {
  version: 2,
  name: 'print_jobs',
  up(db) {
    db.exec(`
      CREATE TABLE print_jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('certificate', 'receipt')),
        request_id TEXT,
        day TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'held', 'sending', 'done', 'outcome_unknown', 'reprint_requested', 'failed')),
        payload_sealed BLOB NOT NULL,
        payload_sha256 TEXT NOT NULL,
        copies INTEGER NOT NULL DEFAULT 1 CHECK (copies BETWEEN 1 AND 10),
        reprint_of TEXT REFERENCES print_jobs (id),
        attempts INTEGER NOT NULL DEFAULT 0,
        problem_code TEXT,
        problem_message TEXT,
        printer_job_id INTEGER,
        resolution TEXT CHECK (resolution IN ('printer_confirmed', 'staff_confirmed_printed', 'reprint_requested', 'rejected_by_printer')),
        resolved_by TEXT,
        created_at TEXT NOT NULL,
        sending_at TEXT,
        done_at TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX print_jobs_state ON print_jobs (kind, state, created_at);
      CREATE INDEX print_jobs_day ON print_jobs (day);
      -- One reprint per original job: a second request for the same job is the same request.
      CREATE UNIQUE INDEX print_jobs_one_reprint ON print_jobs (reprint_of) WHERE reprint_of IS NOT NULL;

      CREATE TABLE print_reprint_requests (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL UNIQUE REFERENCES print_jobs (id),
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected')),
        decided_by TEXT,
        decided_at TEXT,
        new_job_id TEXT REFERENCES print_jobs (id)
      ) STRICT;

      CREATE TABLE print_spoilage (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL REFERENCES print_jobs (id),
        day TEXT NOT NULL,
        sheets INTEGER NOT NULL CHECK (sheets BETWEEN 1 AND 100),
        reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX print_spoilage_day ON print_spoilage (day);
    `);
  },
};
