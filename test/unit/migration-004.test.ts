import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 004 (next-visit tasks)', () => {
  it('keeps version-3 rows and adds the next-visit task table with its kinds', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    migrate(db, migrations, 3);
    db.prepare(
      "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES ('r1', '2026-11-24', '001', 'juminhyo', 1, 300, 'entered', 'S1', 't', 't')",
    ).run();
    db.prepare("INSERT INTO hub_inbox_applied (seq, type, request_id, outcome, applied_at) VALUES (1, 'decision', 'r1', 'applied', 't')").run();
    migrate(db, migrations, 4);
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT id FROM requests').pluck().all()).toEqual(['r1']);
    expect(db.prepare('SELECT seq FROM hub_inbox_applied').pluck().all()).toEqual([1]);
    db.prepare("INSERT INTO next_visit_tasks (id, kind, person_sealed, staff_id, created_at) VALUES ('t1', 'insurance_link', x'01', 'S1', 't')").run();
    expect(() => db.prepare("INSERT INTO next_visit_tasks (id, kind, person_sealed, staff_id, created_at) VALUES ('t2', 'other', x'01', 'S1', 't')").run()).toThrow(/CHECK/);
    db.close();
  });
});
