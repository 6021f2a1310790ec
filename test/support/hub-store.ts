// The hub store on either dialect for store-level tests: a SQLite file in a temp folder, or a fresh
// PostgreSQL database (dropped afterwards) on the test run's cluster. Tests pick the dialect of their
// vitest project (testStore), so each runs once per store.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migratePostgres, migrateSqlite, postgresSchemaVersion, sqliteSchemaVersion } from '../../hub/store/migrate';
import { hubMigrations } from '../../hub/store/migrations';
import { createPostgresKysely, openPostgresHubStore, openSqliteHubStore } from '../../hub/store/open';
import type { Dialect } from '../../hub/store/schema';
import type { KyselyHubStore } from '../../hub/store/store';
import { ManualClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import { InProcessBus } from '../../hub/server/bus';
import { PushHub } from '../../hub/server/push';
import { HubSealer } from '../../hub/server/sealing';
import { VehicleSync } from '../../hub/server/vehicle-sync';
import type { FeeTable } from '../../protocol/ipc';
import { tempDir } from './fixtures';
import { createTestDatabase } from './postgres';

export { createTestDatabase, testStore } from './postgres';

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

/**
 * The hub's vehicle sync over a store, as one hub process has it (an in-process bus and its push hub),
 * for store-level tests; `close` stops the push hub.
 */
export function vehicleSyncFor(store: KyselyHubStore, options: { fees?: FeeTable } = {}): { sync: VehicleSync; close(): Promise<void> } {
  const clock = new ManualClock();
  const sealer = new HubSealer(randomBytes(32));
  const push = new PushHub({ store, bus: new InProcessBus(silentLogger), log: silentLogger, clock, sealer });
  return { sync: new VehicleSync({ store, clock, log: silentLogger, push, sealer, ...options }), close: async () => push.closeAll() };
}
