import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 005 (home visits)', () => {
  it('keeps the outbox rows and their numbering, lets the outbox name a visit, and adds the sealed visits table', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 4);
    db.prepare(
      "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES ('r1', '2026-11-24', '001', 'juminhyo', 1, 300, 'queued', 'S1', 't', 't')",
    ).run();
    const enqueue = db.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES (?, ?, 'request.event', x'01', 't')");
    enqueue.run('k1', 'r1');
    enqueue.run('k2', 'r1');
    enqueue.run('k3', 'r1');
    // The first two were delivered: the next message must still be numbered after the third.
    db.prepare("DELETE FROM outbox WHERE idempotency_key IN ('k1', 'k2')").run();
    db.prepare("UPDATE outbox SET attempts = 2, rejected_code = 'X', rejected_at = 't' WHERE idempotency_key = 'k3'").run();
    // Before: an outbox row must name a request.
    expect(() => enqueue.run('k-visit', 'booking-1')).toThrow(/FOREIGN KEY/);

    migrate(db, migrations, 5);
    expect(schemaVersion(db)).toBe(5);
    expect(db.prepare('SELECT seq, idempotency_key, request_id, attempts, rejected_code FROM outbox').all()).toEqual([
      { seq: 3, idempotency_key: 'k3', request_id: 'r1', attempts: 2, rejected_code: 'X' },
    ]);
    db.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES ('k4', 'booking-1', 'visit.outcome', x'01', 't')").run();
    expect(db.prepare("SELECT seq FROM outbox WHERE idempotency_key = 'k4'").pluck().get()).toBe(4);
    expect(() => enqueue.run('k3', 'r1')).toThrow(/UNIQUE/);

    const visit = db.prepare('INSERT INTO home_visits (id, visit_date, slot, start, status, booking_sealed, outcome_at, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    visit.run('b1', '2026-12-04', 'am', '10:00', 'planned', Buffer.from([1]), null, 't');
    visit.run('b2', '2026-12-04', 'pm1', '13:00', 'done', null, 't', 't');
    // An outcome goes with its time, and a planned visit has none.
    expect(() => visit.run('b3', '2026-12-04', 'pm2', '14:30', 'absent', null, null, 't')).toThrow(/CHECK/);
    expect(() => visit.run('b4', '2026-12-04', 'pm2', '14:30', 'planned', null, 't', 't')).toThrow(/CHECK/);
    expect(() => visit.run('b5', '2026-12-04', 'night', '20:00', 'planned', null, null, 't')).toThrow(/CHECK/);
    db.close();
  });
});
