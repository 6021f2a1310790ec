// SQLite as both the vehicle and city hall use it: WAL, synchronous=FULL (the laptop can lose power;
// the hub is the record the city keeps), foreign keys on, and numbered migrations that each run once,
// in their own transaction with the version bump.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { exposedMode } from './file-mode';

export type Db = Database.Database;

/** A numbered schema step. Each runs once, in its own transaction, in version order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}

/** A database file that other users of the machine could read (or write): nothing is opened. */
export class DatabaseFileModeError extends Error {
  readonly code = 'DATABASE_FILE_MODE';
  constructor(file: string, mode: number) {
    super(`データベースファイル ${file} が他のユーザーにも読める設定です（${(mode & 0o777).toString(8)}）。持ち主だけが読み書きできるようにしてから起動してください（chmod 600）。`);
  }
}

/**
 * The file is created readable and writable by its owner only (SQLite gives its -wal and -shm files the
 * same mode), and an existing file open to the group or others is refused. Windows keeps access in
 * ACLs, not in these bits, so the check is POSIX only.
 */
function ensurePrivateFile(file: string): void {
  if (file === ':memory:') return;
  if (!existsSync(file)) {
    closeSync(openSync(file, 'wx', 0o600));
    return;
  }
  const mode = exposedMode(file);
  if (mode !== null) throw new DatabaseFileModeError(file, mode);
}

export function openSqlite(file: string, migrations: readonly Migration[]): Db {
  ensurePrivateFile(file);
  for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) ensurePrivateFile(companion);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted and overwritten content is zeroed on disk, so a purge leaves no readable trace in free pages.
  db.pragma('secure_delete = ON');
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs every migration above the file's version (up to `target`), each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[], target = Infinity): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration numbering has a gap or duplicate at ${m.version} (${m.name})`);
  });
  for (const m of sorted) {
    if (m.version <= schemaVersion(db) || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
