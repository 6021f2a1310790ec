import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../hub/store/sqlite/db';
import { migrations } from '../../hub/store/sqlite/migrations';
import { SqliteHubStore } from '../../hub/store/sqlite/store';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

function fresh(): Database.Database {
  tmp = tempDir();
  const db = new Database(join(tmp.dir, 'hub.sqlite3'));
  db.pragma('foreign_keys = ON');
  return db;
}

describe('hub migration 001 (initial)', () => {
  it('creates the tables with their constraints and an append-only audit log', () => {
    const db = fresh();
    migrate(db, migrations, 1);
    expect(schemaVersion(db)).toBe(1);
    db.prepare("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')").run();
    db.prepare("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')").run();
    expect(() => db.prepare("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('x', 'x', 'mayor', 'h', 't')").run()).toThrow(/CHECK/);
    db.prepare(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'relayed', '{}', 'S1', 't', 't', 't')",
    ).run();
    expect(() =>
      db.prepare(
        "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r2', 'nope', 'A', 'd', 'k', 1, 0, 's', '{}', 'S', 't', 't', 't')",
      ).run(),
    ).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO applied_messages VALUES ('car-1', 'key-00000001', 'request.submit', '{}', 't')").run();
    expect(() => db.prepare("INSERT INTO applied_messages VALUES ('car-1', 'key-00000001', 'request.submit', '{}', 't')").run()).toThrow(/UNIQUE|PRIMARY/);
    db.prepare("INSERT INTO inbox VALUES ('car-1', 1, 'decision', '{}', 't')").run();
    expect(() => db.prepare("INSERT INTO inbox VALUES ('car-1', 1, 'decision', '{}', 't')").run()).toThrow(/UNIQUE|PRIMARY/);
    db.prepare("INSERT INTO audit_log VALUES (1, 't', 'a', 'x', NULL, 'hub', '{}', '0', 'h')").run();
    expect(() => db.prepare("UPDATE audit_log SET actor = 'b'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    db.close();
  });
});

describe('hub migration 002 (decisions, documents, print jobs, reprints, dead letters)', () => {
  it('keeps version-1 rows and adds the tables, tied to them by foreign keys', () => {
    const db = fresh();
    migrate(db, migrations, 1);
    db.prepare("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')").run();
    db.prepare("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')").run();
    db.prepare(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'relayed', '{\"k\":1}', 'S1', 't', 't', 't')",
    ).run();

    migrate(db, migrations, 2);
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT id, step, input FROM requests').all()).toEqual([{ id: 'r1', step: 'relayed', input: '{"k":1}' }]);

    db.prepare("INSERT INTO decisions VALUES ('r1', 'approved', NULL, 'op', 't')").run();
    expect(() => db.prepare("INSERT INTO decisions VALUES ('r1', 'rejected', 'x', 'op', 't')").run()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("INSERT INTO decisions VALUES ('nope', 'maybe', NULL, 'op', 't')").run()).toThrow(/CHECK|FOREIGN/);
    db.prepare("INSERT INTO documents VALUES ('d1', 'r1', 'juminhyo', 'S-0001', 'CODE1', x'25504446', 'h', 't', 'op')").run();
    const job = db.prepare("INSERT INTO print_jobs VALUES (?, 'r1', 'car-1', 'd1', 1, 'h', 'sig', ?, 2, 't', 'op')");
    job.run('j1', null);
    job.run('j2', 'j1');
    expect(() => job.run('j3', 'j1')).toThrow(/UNIQUE/);
    db.prepare("INSERT INTO reprint_requests VALUES ('rp1', 'car-1', 'j1', 'r1', '紙詰まり', 'S1', 't', 't', 'pending', NULL, NULL, NULL)").run();
    expect(() => db.prepare("INSERT INTO reprint_requests VALUES ('rp2', 'car-1', 'j1', 'r1', 'x', 'S1', 't', 't', 'pending', NULL, NULL, NULL)").run()).toThrow(/UNIQUE/);
    db.prepare("INSERT INTO dead_letters (vehicle_id, idempotency_key, code, problem, payload, received_at) VALUES ('car-1', NULL, 'MALFORMED_MESSAGE', 'fields=input', '{}', 't')").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM dead_letters').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('hub store', () => {
  it('rolls a failed transaction back whole and keeps the audit chain verifiable; a hidden edit is found', async () => {
    tmp = tempDir();
    const store = SqliteHubStore.open(join(tmp.dir, 'hub.sqlite3'));
    await store.transaction(async (tx) => {
      await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      await tx.appendAudit({ actor: 'admin', action: 'vehicle.enroll', place: 'hub', detail: { vehicleId: 'car-1' } }, '2026-11-24T00:00:00.000Z');
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.appendAudit({ actor: 'admin', action: 'x', place: 'hub' }, 't');
        await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      }),
    ).rejects.toThrow(/UNIQUE/);
    // Concurrent transactions do not interleave: per-vehicle inbox numbers stay 1..n.
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.appendInbox('car-1', 'question', `{"i":${i}}`, 't'))));
    const seqs = (await store.transaction((tx) => tx.listInbox('car-1', 0, 100))).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await store.transaction(async (tx) => tx.appendAudit({ actor: 'admin', action: 'y', place: 'hub' }, '2026-11-24T00:00:01.000Z'));
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 2 });
    store.db.exec('DROP TRIGGER audit_log_no_update');
    store.db.prepare("UPDATE audit_log SET actor = 'someone' WHERE seq = 1").run();
    expect(await store.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: false, brokenAt: 1 });
    await store.close();
  });
});
