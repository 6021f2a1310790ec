// Runs the hub's numbered migrations on either dialect. SQLite keeps its version in PRAGMA user_version
// (files made before the store ran on two dialects open and migrate as before); PostgreSQL keeps it in
// schema_migrations, and hub processes starting together on one database take turns (an advisory
// lock held for the migration's transaction), so each migration runs once.
import { sql, type Kysely } from 'kysely';
import { schemaVersion as sqliteSchemaVersion, type Db } from '../../common/sqlite';
import { hubMigrations, type HubMigration } from './migrations';

const LOCK_MIGRATIONS = 0x0de0;

/** Migrations in version order, numbered without a gap or a duplicate. */
function checkNumbering(migrations: readonly HubMigration[]): HubMigration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration numbering has a gap or duplicate at ${m.version} (${m.name})`);
  });
  return sorted;
}

/**
 * Runs every migration above the file's version (up to `target`), each in its own transaction with the
 * version bump. A step that rebuilds a table others refer to runs with foreign keys off, as SQLite's
 * docs prescribe (the pragma does nothing inside a transaction), and commits only if
 * foreign_key_check then finds nothing.
 */
export function migrateSqlite(db: Db, migrations: readonly HubMigration[] = hubMigrations, target = Infinity): void {
  for (const m of checkNumbering(migrations)) {
    if (m.version <= sqliteSchemaVersion(db) || m.version > target) continue;
    const switchOff = m.sqliteForeignKeysOff === true && db.pragma('foreign_keys', { simple: true }) === 1;
    if (switchOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sqlite);
        if (switchOff) {
          const broken = db.pragma('foreign_key_check') as { table: string }[];
          if (broken.length > 0) throw new Error(`migration ${m.version} (${m.name}) leaves ${broken.length} rows whose foreign key points nowhere (first in ${broken[0]!.table})`);
        }
        db.pragma(`user_version = ${m.version}`);
      })();
    } finally {
      if (switchOff) db.pragma('foreign_keys = ON');
    }
  }
}

export { sqliteSchemaVersion };

export async function postgresSchemaVersion(db: Kysely<any>): Promise<number> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('schema_migrations')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return 0;
  const r = await sql<{ v: number | null }>`SELECT MAX(version) AS v FROM schema_migrations`.execute(db);
  return Number(r.rows[0]?.v ?? 0);
}

export async function migratePostgres(db: Kysely<any>, migrations: readonly HubMigration[] = hubMigrations, target = Infinity): Promise<void> {
  const sorted = checkNumbering(migrations);
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_MIGRATIONS}::int4, 0)`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`.execute(trx);
    const current = await postgresSchemaVersion(trx);
    for (const m of sorted) {
      if (m.version <= current || m.version > target) continue;
      // No parameters: pg sends it as one simple query, so a migration may hold several statements.
      await sql.raw(m.postgres).execute(trx);
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${new Date().toISOString()})`.execute(trx);
    }
  });
}
