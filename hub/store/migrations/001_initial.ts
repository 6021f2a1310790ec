import type { HubMigration } from './types';

/**
 * The hub's first schema: enrolled vehicles and their client certificates, operators and their
 * sessions, relayed requests (the personal fields the city keeps, as JSON), the applied idempotency
 * keys with the answer given, each vehicle's numbered inbox, and the append-only, hash-chained audit log.
 */
export const m001Initial: HubMigration = {
  version: 1,
  name: 'initial',
  sqlite: `
    CREATE TABLE vehicles (
      id TEXT PRIMARY KEY,
      enrolled_at TEXT NOT NULL,
      enrolled_by TEXT NOT NULL,
      revoked_at TEXT,
      revoked_by TEXT,
      inbox_acked_seq INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    -- A vehicle may be re-enrolled (new laptop): each certificate is known by its SHA-256 fingerprint.
    CREATE TABLE vehicle_certificates (
      fingerprint TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      serial TEXT NOT NULL,
      not_after TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      revoked_at TEXT
    ) STRICT;
    CREATE INDEX vehicle_certificates_vehicle ON vehicle_certificates (vehicle_id);

    CREATE TABLE operators (
      id TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('operator', 'consultant', 'dispatcher', 'admin')),
      password_hash TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL
    ) STRICT;

    -- Only the SHA-256 of the session token is kept, so a copy of the database signs nobody in.
    CREATE TABLE sessions (
      token_hash TEXT PRIMARY KEY,
      operator_id TEXT NOT NULL REFERENCES operators (id),
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE requests (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      number TEXT NOT NULL,
      day TEXT NOT NULL,
      kind TEXT NOT NULL,
      copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 10),
      fee_yen INTEGER NOT NULL CHECK (fee_yen >= 0),
      step TEXT NOT NULL,
      input TEXT NOT NULL,
      identity TEXT,
      staff_id TEXT NOT NULL,
      sent_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX requests_step ON requests (step, received_at);
    CREATE INDEX requests_day ON requests (day);

    -- Every step a request took, who moved it and when (the day view reads this).
    CREATE TABLE request_events (
      id INTEGER PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      event TEXT NOT NULL,
      step TEXT NOT NULL,
      actor TEXT NOT NULL,
      at TEXT NOT NULL,
      reason TEXT
    ) STRICT;
    CREATE INDEX request_events_request ON request_events (request_id, id);

    CREATE TABLE applied_messages (
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      idempotency_key TEXT NOT NULL,
      message_type TEXT NOT NULL,
      result TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (vehicle_id, idempotency_key)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE inbox (
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      seq INTEGER NOT NULL CHECK (seq > 0),
      type TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (vehicle_id, seq)
    ) STRICT;

    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      request_id TEXT,
      place TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_log_request ON audit_log (request_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
  postgres: `
    CREATE TABLE vehicles (
      id TEXT PRIMARY KEY,
      enrolled_at TEXT NOT NULL,
      enrolled_by TEXT NOT NULL,
      revoked_at TEXT,
      revoked_by TEXT,
      inbox_acked_seq INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE vehicle_certificates (
      fingerprint TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      serial TEXT NOT NULL,
      not_after TEXT NOT NULL,
      issued_at TEXT NOT NULL,
      revoked_at TEXT
    );
    CREATE INDEX vehicle_certificates_vehicle ON vehicle_certificates (vehicle_id);

    CREATE TABLE operators (
      id TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('operator', 'consultant', 'dispatcher', 'admin')),
      password_hash TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL
    );

    CREATE TABLE sessions (
      token_hash TEXT PRIMARY KEY,
      operator_id TEXT NOT NULL REFERENCES operators (id),
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );

    CREATE TABLE requests (
      id TEXT PRIMARY KEY,
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      number TEXT NOT NULL,
      day TEXT NOT NULL,
      kind TEXT NOT NULL,
      copies INTEGER NOT NULL CHECK (copies BETWEEN 1 AND 10),
      fee_yen INTEGER NOT NULL CHECK (fee_yen >= 0),
      step TEXT NOT NULL,
      input TEXT NOT NULL,
      identity TEXT,
      staff_id TEXT NOT NULL,
      sent_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX requests_step ON requests (step, received_at);
    CREATE INDEX requests_day ON requests (day);

    CREATE TABLE request_events (
      id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      event TEXT NOT NULL,
      step TEXT NOT NULL,
      actor TEXT NOT NULL,
      at TEXT NOT NULL,
      reason TEXT
    );
    CREATE INDEX request_events_request ON request_events (request_id, id);

    CREATE TABLE applied_messages (
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      idempotency_key TEXT NOT NULL,
      message_type TEXT NOT NULL,
      result TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (vehicle_id, idempotency_key)
    );

    CREATE TABLE inbox (
      vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
      seq INTEGER NOT NULL CHECK (seq > 0),
      type TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (vehicle_id, seq)
    );

    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      request_id TEXT,
      place TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_request ON audit_log (request_id);
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END
    $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    -- TRUNCATE fires no row trigger: refuse it too.
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `,
};
