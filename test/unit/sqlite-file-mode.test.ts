// The databases of the vehicle and of city hall (SQLite) hold the most sensitive data a city has: the
// file and its WAL are created for their owner only, and a file others can read is refused at start.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseFileModeError, openSqlite } from '../../common/sqlite';
import { openDatabase } from '../../electron/core/db';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  tmp?.remove();
  tmp = undefined;
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('a database file', () => {
  it('is created 0600, and its WAL and shared-memory files too, whatever the umask', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'hub.sqlite3');
    const old = process.umask(0o022);
    try {
      const db = openSqlite(file, []);
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(`${file}-wal`)).toBe(0o600);
      expect(modeOf(`${file}-shm`)).toBe(0o600);
      db.close();
    } finally {
      process.umask(old);
    }
  });

  it('is refused when the group or others may read it, with a Japanese message naming it', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'terminal.sqlite3');
    openSqlite(file, []).close();
    chmodSync(file, 0o644);
    expect(() => openSqlite(file, [])).toThrow(DatabaseFileModeError);
    expect(() => openSqlite(file, [])).toThrow(/他のユーザーにも読める設定です（644）/);
    chmodSync(file, 0o640);
    expect(() => openSqlite(file, [])).toThrow(DatabaseFileModeError);
    chmodSync(file, 0o600);
    openSqlite(file, []).close();
  });

  it('is refused when a WAL left beside it is readable by others', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'hub.sqlite3');
    openSqlite(file, []).close();
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    expect(() => openSqlite(file, [])).toThrow(DatabaseFileModeError);
  });

  it('the vehicle’s database is opened the same way', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'terminal.sqlite3');
    openDatabase(file).close();
    expect(modeOf(file)).toBe(0o600);
    chmodSync(file, 0o604);
    expect(() => openDatabase(file)).toThrow(DatabaseFileModeError);
  });
});
