import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 002 (print ledger)', () => {
  it('keeps version-1 rows and adds the print tables with their constraints', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 1);
    expect(schemaVersion(db)).toBe(1);
    db.prepare("INSERT INTO staff (id, display_name, pin_hash) VALUES ('S1', '職員', 'scrypt$x')").run();
    db.prepare(
      "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES ('r1', '2026-11-24', '001', 'juminhyo', 1, 300, 'approved', 'S1', 't', 't')",
    ).run();

    migrate(db, migrations, 2);
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT id, step FROM requests').all()).toEqual([{ id: 'r1', step: 'approved' }]);

    const insert = db.prepare(
      "INSERT INTO print_jobs (id, kind, request_id, day, state, payload_sealed, payload_sha256, copies, reprint_of, created_at, updated_at) VALUES (?, ?, 'r1', '2026-11-24', ?, x'00', 'h', 1, ?, 't', 't')",
    );
    insert.run('j1', 'certificate', 'outcome_unknown', null);
    insert.run('j2', 'certificate', 'queued', 'j1');
    expect(() => insert.run('j3', 'certificate', 'queued', 'j1')).toThrow(/UNIQUE/); // one reprint per job
    expect(() => insert.run('j4', 'certificate', 'printing', null)).toThrow(/CHECK/);
    expect(() => insert.run('j5', 'fax', 'queued', null)).toThrow(/CHECK/);

    db.prepare("INSERT INTO print_reprint_requests (id, job_id, reason, requested_by, requested_at, status) VALUES ('p1', 'j1', '紙詰まり', 'S1', 't', 'pending_approval')").run();
    expect(() => db.prepare("INSERT INTO print_reprint_requests (id, job_id, reason, requested_by, requested_at, status) VALUES ('p2', 'j1', 'x', 'S1', 't', 'pending_approval')").run()).toThrow(/UNIQUE/);

    db.prepare("INSERT INTO print_spoilage (id, job_id, day, sheets, reason, recorded_by, recorded_at) VALUES ('s1', 'j1', '2026-11-24', 1, 'かすれ', 'S1', 't')").run();
    expect(() => db.prepare("INSERT INTO print_spoilage (id, job_id, day, sheets, reason, recorded_by, recorded_at) VALUES ('s2', 'nope', '2026-11-24', 1, 'x', 'S1', 't')").run()).toThrow(/FOREIGN KEY/);
    expect(db.prepare("SELECT SUM(sheets) AS n FROM print_spoilage WHERE day = '2026-11-24'").get()).toEqual({ n: 1 });
    db.close();
  });
});
