import type { HubMigration } from './types';

// The roles as this step leaves them, written out: a shipped migration never follows later edits of protocol/roles.ts.
const ROLES = "'operator', 'consultant', 'dispatcher', 'planning', 'admin'";

/**
 * The planning staff (企画担当) who publish the city's records: the operators' role CHECK takes
 * 'planning'. Only operators carries that CHECK (sessions, decisions, questions and consultations refer
 * to operators by id). SQLite cannot alter a CHECK, so the table is rebuilt as SQLite's docs prescribe
 * (ALTER TABLE, "other kinds of table schema changes"): a new table, every row copied, the old one
 * dropped and the new one renamed — with foreign keys off around the step and checked before it commits
 * (foreignKeysOff), so the rows of the tables that refer to operators stay as they are.
 * PostgreSQL drops the constraint and adds it back wider.
 */
export const m011PlanningRole: HubMigration = {
  version: 11,
  name: 'planning_role',
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
  `,
  postgres: `
    ALTER TABLE operators DROP CONSTRAINT operators_role_check;
    ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN (${ROLES}));
  `,
};
