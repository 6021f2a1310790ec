import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 006 (outings)', () => {
  it('keeps the outbox and the visits, adds the outings with one open at a time and each piece of work counted once', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 5);
    db.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES ('k1', 'booking-1', 'visit.outcome', x'01', 't')").run();
    db.prepare("INSERT INTO home_visits (id, visit_date, slot, start, status, booking_sealed, outcome_at, pulled_at) VALUES ('b1', '2026-12-04', 'am', '10:00', 'planned', x'01', NULL, 't')").run();

    migrate(db, migrations, 6);
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare('SELECT idempotency_key FROM outbox').pluck().all()).toEqual(['k1']);
    expect(db.prepare('SELECT id FROM home_visits').pluck().all()).toEqual(['b1']);

    const outing = db.prepare('INSERT INTO outings (id, outing_date, kind, place, staff, started_at, started_by, person_hash_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    outing.run('o1', '2026-11-24', 'patrol', '川前', '["S0001"]', 't', 'S0001', Buffer.alloc(32));
    // One outing open at a time.
    expect(() => outing.run('o2', '2026-11-24', 'other', null, '["S0001"]', 't', 'S0001', Buffer.alloc(32))).toThrow(/UNIQUE/);
    expect(() => outing.run('o3', '2026-11-24', 'festival', null, '["S0001"]', 't', 'S0001', null)).toThrow(/CHECK/);
    // An ended outing has its record key, and keeps no key to recognise residents.
    expect(() => db.prepare("UPDATE outings SET ended_at = 't2' WHERE id = 'o1'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE outings SET ended_at = 't2', record_key = 'rk' WHERE id = 'o1'").run()).toThrow(/CHECK/);
    db.prepare("UPDATE outings SET ended_at = 't2', record_key = 'rk', person_hash_key = NULL WHERE id = 'o1'").run();
    outing.run('o2', '2026-11-24', 'other', null, '["S0001"]', 't', 'S0001', Buffer.alloc(32));

    const work = db.prepare("INSERT INTO outing_services (outing_id, person_key, service, source, source_id, at) VALUES ('o2', NULL, ?, ?, ?, 't')");
    work.run('certificate', 'request', 'r1');
    expect(() => work.run('certificate', 'request', 'r1')).toThrow(/UNIQUE/);
    work.run('frailty', 'tally', null);
    work.run('frailty', 'tally', null);
    expect(() => work.run('pets', 'tally', null)).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE outings SET explained = -1 WHERE id = 'o2'").run()).toThrow(/CHECK/);
    db.close();
  });
});
