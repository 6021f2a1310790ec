import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 001 (initial schema)', () => {
  it('builds the schema from an empty file (version 0), and the rows it is meant for go in and come back', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 't.sqlite3');
    const before = new Database(file);
    expect(schemaVersion(before)).toBe(0);
    migrate(before, migrations, 1);
    expect(schemaVersion(before)).toBe(1);
    before.prepare("INSERT INTO staff (id, display_name, pin_hash) VALUES ('S1', '職員', 'scrypt$x')").run();
    before
      .prepare(
        "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES ('r1', '2026-11-24', '001', 'juminhyo', 1, 300, 'entered', 'S1', 't', 't')",
      )
      .run();
    before.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES ('k1', 'r1', 'request.submit', x'00', 't')").run();
    expect(before.prepare('SELECT number, fee_yen FROM requests').get()).toEqual({ number: '001', fee_yen: 300 });
    before.close();
  });

  it('enforces its constraints: copies 1–10, unique daily numbers, outbox rows only for existing requests', () => {
    tmp = tempDir();
    // Version 1 as shipped (migration 005 lets the outbox name visits too).
    const db = openDatabase(join(tmp.dir, 't.sqlite3'), migrations.slice(0, 1));
    const insert = db.prepare(
      "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES (?, '2026-11-24', ?, 'juminhyo', ?, 300, 'entered', 'S1', 't', 't')",
    );
    expect(() => insert.run('a', '001', 0)).toThrow(/CHECK/);
    expect(() => insert.run('a', '001', 11)).toThrow(/CHECK/);
    insert.run('a', '001', 1);
    expect(() => insert.run('b', '001', 1)).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES ('k', 'nope', 'x', x'00', 't')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('opens with WAL, synchronous=FULL and foreign keys on, and is idempotent on reopen', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 't.sqlite3');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(migrations.length);
    db.close();
  });

  it('refuses a migration list with a gap in its numbering', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', up: () => undefined }])).toThrow(/gap or duplicate/);
  });
});
