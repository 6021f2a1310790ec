import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { outingRecordMessage } from '../../electron/core/outings';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 007 (daily close)', () => {
  it('keeps the outings, adds their money ledger, and freezes a closed outing’s lines and its close', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 6);
    const outing = db.prepare('INSERT INTO outings (id, outing_date, kind, place, staff, started_at, started_by, person_hash_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    outing.run('o1', '2026-11-24', 'patrol', '川前', '["S0001"]', 't', 'S0001', Buffer.alloc(32));

    migrate(db, migrations, 7);
    expect(schemaVersion(db)).toBe(7);
    expect(db.prepare('SELECT id FROM outings').pluck().all()).toEqual(['o1']);

    const line = db.prepare('INSERT INTO outing_money (outing_id, kind, item, quantity, method, amount_yen, tendered_yen, change_yen, source_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    line.run('o1', 'fee', 'juminhyo', 1, 'cash', 300, 1000, 700, 'r1', 't');
    line.run('o1', 'fee', 'inkan', 1, 'qr_code', 300, null, 0, 'r2', 't');
    // A request is paid once; cash has its tendered amount, cashless none.
    expect(() => line.run('o1', 'fee', 'juminhyo', 1, 'cash', 300, 300, 0, 'r1', 't')).toThrow(/UNIQUE/);
    expect(() => line.run('o1', 'fee', 'juminhyo', 1, 'cash', 300, null, 0, 'r3', 't')).toThrow(/CHECK/);
    expect(() => line.run('o1', 'fee', 'juminhyo', 1, 'bitcoin', 300, null, 0, 'r3', 't')).toThrow(/CHECK/);
    line.run('o1', 'refund', 'juminhyo', 1, 'cash', 300, null, 0, 'r1', 't');

    db.prepare("INSERT INTO outing_closes (outing_id, close, closed_at, closed_by) VALUES ('o1', '{}', 't2', 'S0001')").run();
    expect(() => line.run('o1', 'fee', 'nozei', 1, 'cash', 300, 300, 0, 'r4', 't')).toThrow(/outing closed/);
    expect(() => db.prepare("UPDATE outing_money SET amount_yen = 0 WHERE source_id = 'r1'").run()).toThrow(/outing closed/);
    expect(() => db.prepare("DELETE FROM outing_money WHERE outing_id = 'o1'").run()).toThrow(/outing closed/);
    expect(() => db.prepare("UPDATE outing_closes SET close = '{\"x\":1}'").run()).toThrow(/never changes/);
    expect(() => db.prepare('DELETE FROM outing_closes').run()).toThrow(/never changes/);
    // The print job id may be recorded after.
    db.prepare("UPDATE outing_closes SET print_job_id = 'job-1'").run();
    expect(db.prepare('SELECT COUNT(*) FROM outing_money').pluck().get()).toBe(3);

    // An outing that ended takes no new line either, closed or not.
    db.prepare("UPDATE outings SET ended_at = 't2', record_key = 'rk1', person_hash_key = NULL WHERE id = 'o1'").run();
    outing.run('o2', '2026-11-24', 'other', null, '["S0001"]', 't', 'S0001', null);
    db.prepare("UPDATE outings SET ended_at = 't3', record_key = 'rk2', person_hash_key = NULL WHERE id = 'o2'").run();
    expect(() => line.run('o2', 'fee', 'nozei', 1, 'cash', 300, 300, 0, 'r5', 't')).toThrow(/outing closed/);
    db.close();
  });
});

describe('an outing record queued before the daily close existed', () => {
  it('is read from the outbox with no close, and still parses for city hall', () => {
    const queued = {
      type: 'outing.record', outingId: 'outing-0001', date: '2026-11-20', kind: 'other', place: null, staff: ['S0001'],
      startedAt: '2026-11-20T00:00:00.000Z', endedAt: '2026-11-20T06:00:00.000Z', people: [], explained: 0, sales: [],
    };
    expect(outingRecordMessage('key-outing-0001', queued).close).toBeNull();
  });
});
