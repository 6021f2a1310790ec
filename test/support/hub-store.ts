// The hub store on each dialect, for tests that run once per store: a SQLite file in a temp folder, or
// a fresh PostgreSQL database (dropped afterwards) on the test cluster.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migratePostgres, migrateSqlite, postgresSchemaVersion, sqliteSchemaVersion } from '../../hub/store/migrate';
import { hubMigrations } from '../../hub/store/migrations';
import { createPostgresKysely, openPostgresHubStore, openSqliteHubStore } from '../../hub/store/open';
import type { Dialect } from '../../hub/store/schema';
import type { KyselyHubStore } from '../../hub/store/store';
import { tempDir } from './fixtures';

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/** The cluster tests create their databases on (started by hand or by the test run). */
const clusterUrl = process.env.ODEKAKE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';

/** A fresh, empty PostgreSQL database. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `odekake_t_${randomBytes(6).toString('hex')}`;
  const admin = createPostgresKysely(clusterUrl, { poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = createPostgresKysely(clusterUrl, { poolSize: 1 });
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(again);
      } finally {
        await again.destroy();
      }
    },
  };
}

/** An empty store of the given dialect, migrated to the newest schema. */
export async function openTestStore(dialect: Dialect): Promise<{ store: KyselyHubStore; url: string | null; close(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const tmp = tempDir('odekake-store-');
    const store = openSqliteHubStore(join(tmp.dir, 'hub.sqlite3'));
    return { store, url: null, close: async () => { await store.close(); tmp.remove(); } };
  }
  const database = await createTestDatabase();
  const store = await openPostgresHubStore(database.url);
  return { store, url: database.url, close: async () => { await store.close(); await database.drop(); } };
}

/** A bare database of the given dialect for migration tests: migrate step by step, write with raw SQL. */
export async function openMigrationTarget(dialect: Dialect): Promise<{
  db: Kysely<any>;
  migrateTo(target?: number): Promise<void>;
  version(): Promise<number>;
  close(): Promise<void>;
}> {
  if (dialect === 'sqlite') {
    const tmp = tempDir('odekake-migrate-');
    const raw = new Database(join(tmp.dir, 'hub.sqlite3'));
    raw.pragma('foreign_keys = ON');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    return {
      db,
      migrateTo: async (target = Infinity) => migrateSqlite(raw, hubMigrations, target),
      version: async () => sqliteSchemaVersion(raw),
      close: async () => { await db.destroy(); tmp.remove(); },
    };
  }
  const database = await createTestDatabase();
  const db = createPostgresKysely(database.url);
  return {
    db,
    migrateTo: (target = Infinity) => migratePostgres(db, hubMigrations, target),
    version: () => postgresSchemaVersion(db),
    close: async () => { await db.destroy(); await database.drop(); },
  };
}
