// Opens the hub's SQLite file: WAL, synchronous=FULL (the hub is the record the city keeps), foreign
// keys on; then brings the schema up to date with the numbered migrations.
import Database from 'better-sqlite3';
import { migrations as allMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export function openHubDatabase(file: string, migrations: readonly Migration[] = allMigrations): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs every migration above the file's version (up to `target`), each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = allMigrations, target = Infinity): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`hub migration numbering has a gap or duplicate at ${m.version} (${m.name})`);
  });
  for (const m of sorted) {
    if (m.version <= schemaVersion(db) || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
