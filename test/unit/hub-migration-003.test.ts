import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../hub/store/sqlite/db';
import { migrations } from '../../hub/store/sqlite/migrations';
import { SqliteHubStore } from '../../hub/store/sqlite/store';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('hub migration 003 (health-insurance link challenges and links)', () => {
  it('keeps version-2 rows and adds the challenge and link tables, tied to vehicles', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 'hub.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 2);
    expect(schemaVersion(db)).toBe(2);
    db.prepare("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')").run();
    db.prepare("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')").run();
    db.prepare(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'approved', '{\"k\":1}', 'S1', 't', 't', 't')",
    ).run();
    db.prepare("INSERT INTO decisions VALUES ('r1', 'approved', NULL, 'op', 't')").run();
    db.prepare("INSERT INTO dead_letters (vehicle_id, idempotency_key, code, problem, payload, received_at) VALUES ('car-1', NULL, 'MALFORMED_MESSAGE', 'f', '{}', 't')").run();

    migrate(db, migrations, 3);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare('SELECT id, step, input FROM requests').all()).toEqual([{ id: 'r1', step: 'approved', input: '{"k":1}' }]);
    expect(db.prepare('SELECT request_id, decision FROM decisions').all()).toEqual([{ request_id: 'r1', decision: 'approved' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM dead_letters').get()).toEqual({ n: 1 });

    const challenge = db.prepare('INSERT INTO insurance_link_challenges (id, vehicle_id, challenge, created_at, expires_at, used_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)');
    challenge.run('ch-00000001', 'car-1', Buffer.alloc(32, 7), 't0', 't2', null, null);
    expect(() => challenge.run('ch-00000001', 'car-1', Buffer.alloc(32), 't0', 't2', null, null)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => challenge.run('ch-00000002', 'car-x', Buffer.alloc(32), 't0', 't2', null, null)).toThrow(/FOREIGN KEY/);
    expect(() => challenge.run('ch-00000003', 'car-1', Buffer.alloc(16), 't0', 't2', null, null)).toThrow(/CHECK/);
    // Used and outcome go together: a used challenge always says what its use came to.
    expect(() => challenge.run('ch-00000004', 'car-1', Buffer.alloc(32), 't0', 't2', 't1', null)).toThrow(/CHECK/);

    const link = db.prepare('INSERT INTO insurance_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    link.run('ln-00000001', 'car-1', 'S1', '0A1B', 'CN=x', '070045', null, '4711235', null, 't');
    expect(() => link.run('ln-00000002', 'car-x', 'S1', '0A1B', 'CN=x', '070045', null, '1', null, 't')).toThrow(/FOREIGN KEY/);
    expect(() => link.run('ln-00000003', 'car-1', 'S1', '0A1B', 'CN=x', '0700', null, '1', null, 't')).toThrow(/CHECK/);
    db.close();
  });

  it('spends a challenge once through the store, whatever is tried after', async () => {
    tmp = tempDir();
    const store = SqliteHubStore.open(join(tmp.dir, 'hub.sqlite3'));
    await store.transaction(async (tx) => {
      await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      await tx.insertLinkChallenge({ id: 'ch-00000001', vehicleId: 'car-1', challenge: new Uint8Array(32).fill(9), createdAt: 't0', expiresAt: 't2' });
    });
    expect(await store.transaction((tx) => tx.useLinkChallenge('ch-00000001', 't1', 'VERIFIED'))).toBe(true);
    expect(await store.transaction((tx) => tx.useLinkChallenge('ch-00000001', 't1b', 'BAD_SIGNATURE'))).toBe(false);
    await store.transaction((tx) => tx.setLinkChallengeOutcome('ch-00000001', 'LINKED'));
    const row = await store.transaction((tx) => tx.getLinkChallenge('ch-00000001'));
    expect(row).toMatchObject({ vehicleId: 'car-1', usedAt: 't1', outcome: 'LINKED' });
    expect(Buffer.from(row!.challenge)).toEqual(Buffer.alloc(32, 9));
    await store.close();
  });
});
