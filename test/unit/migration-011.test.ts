import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 011 (り災証明書 applications counted in the outing)', () => {
  it('keeps every service event with its sequence number and its once-only rule, and takes risai', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 10);
    db.prepare('INSERT INTO outings (id, outing_date, kind, place, staff, started_at, started_by, person_hash_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run('o1', '2026-11-24', 'disaster', '平', '["S0001"]', 't', 'S0001', Buffer.alloc(32));
    const event = (service: string, sourceId: string | null) =>
      db.prepare('INSERT INTO outing_services (outing_id, person_key, service, department, source, source_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run('o1', null, service, null, 'x', sourceId, 't');
    event('certificate', 'r1');
    event('garbage_ticket', null);
    expect(() => event('risai', 'a1')).toThrow(/CHECK/);

    migrate(db, migrations, 11);
    expect(schemaVersion(db)).toBe(11);
    expect(db.prepare('SELECT seq, service, source_id FROM outing_services ORDER BY seq').all()).toEqual([
      { seq: 1, service: 'certificate', source_id: 'r1' },
      { seq: 2, service: 'garbage_ticket', source_id: null },
    ]);
    event('risai', 'a1');
    // The next sequence number follows the copied ones; the same piece of work still counts once.
    expect(db.prepare(`SELECT seq FROM outing_services WHERE service = 'risai'`).pluck().get()).toBe(3);
    expect(() => event('risai', 'a1')).toThrow(/UNIQUE/);
    expect(() => event('lottery', 'z1')).toThrow(/CHECK/);
    expect(() => db.prepare('INSERT INTO outing_services (outing_id, person_key, service, source, at) VALUES (?, ?, ?, ?, ?)').run('nope', null, 'risai', 'x', 't')).toThrow(/FOREIGN KEY/);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
