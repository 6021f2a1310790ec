import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../hub/store/sqlite/db';
import { migrations } from '../../hub/store/sqlite/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('hub migration 004 (consultation records)', () => {
  it('keeps version-3 rows and adds call records tied to vehicles and operators, with consistent times and outcomes', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 'hub.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 3);
    db.prepare("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')").run();
    db.prepare("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('sato', '佐藤', 'consultant', 'scrypt$x', 't')").run();
    db.prepare("INSERT INTO insurance_link_challenges (id, vehicle_id, challenge, created_at, expires_at) VALUES ('ch-00000001', 'car-1', ?, 't0', 't1')").run(Buffer.alloc(32));

    migrate(db, migrations);
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT id FROM insurance_link_challenges').all()).toEqual([{ id: 'ch-00000001' }]);

    const insert = db.prepare(
      'INSERT INTO consultations (id, vehicle_id, staff_id, department, consultant_id, called_at, connected_at, ended_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('call-0001', 'car-1', 'S1', 'pension', 'sato', 't0', 't1', 't2', 'completed');
    insert.run('call-0002', 'car-1', 'S1', 'pension', null, 't0', null, null, null);
    expect(() => insert.run('call-0003', 'car-x', 'S1', 'pension', null, 't0', null, null, null)).toThrow(/FOREIGN KEY/);
    expect(() => insert.run('call-0004', 'car-1', 'S1', 'pension', 'nobody', 't0', 't1', null, null)).toThrow(/FOREIGN KEY/);
    expect(() => insert.run('call-0005', 'car-1', 'S1', 'tax', null, 't0', null, null, null)).toThrow(/CHECK/);
    // Ended and outcome go together; connected and consultant go together.
    expect(() => insert.run('call-0006', 'car-1', 'S1', 'pension', null, 't0', null, 't2', null)).toThrow(/CHECK/);
    expect(() => insert.run('call-0007', 'car-1', 'S1', 'pension', 'sato', 't0', null, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('call-0008', 'car-1', 'S1', 'pension', null, 't0', null, 't2', 'lost')).toThrow(/CHECK/);
    db.close();
  });
});
