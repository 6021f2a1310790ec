import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../hub/store/migrations';
import { openMigrationTarget, openTestStore, testStore } from '../support/hub-store';

/** A migration's number, by its name. */
const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe(`hub migration 003 (health-insurance link challenges and links) on ${testStore}`, () => {
  const dialect = testStore;
  it('keeps version-2 rows and adds the challenge and link tables, tied to vehicles', async () => {
    const t = await openMigrationTarget(dialect);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('decisions_print'));
    expect(await t.version()).toBe(2);
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')");
    await run(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'approved', '{\"k\":1}', 'S1', 't', 't', 't')",
    );
    await run("INSERT INTO decisions VALUES ('r1', 'approved', NULL, 'op', 't')");
    await run("INSERT INTO dead_letters (vehicle_id, idempotency_key, code, problem, payload, received_at) VALUES ('car-1', NULL, 'MALFORMED_MESSAGE', 'f', '{}', 't')");

    await t.migrateTo(step('insurance_link'));
    expect(await t.version()).toBe(3);
    expect((await run('SELECT id, step, input FROM requests')).rows).toEqual([{ id: 'r1', step: 'approved', input: '{"k":1}' }]);
    expect((await run('SELECT request_id, decision FROM decisions')).rows).toEqual([{ request_id: 'r1', decision: 'approved' }]);
    expect(Number((await sql.raw<{ n: number }>('SELECT COUNT(*) AS n FROM dead_letters').execute(db)).rows[0]!.n)).toBe(1);

    const challenge = (id: string, vehicle: string, bytes: Buffer, usedAt: string | null, outcome: string | null) =>
      sql`INSERT INTO insurance_link_challenges (id, vehicle_id, challenge, created_at, expires_at, used_at, outcome) VALUES (${id}, ${vehicle}, ${bytes}, 't0', 't2', ${usedAt}, ${outcome})`.execute(db);
    await challenge('ch-00000001', 'car-1', Buffer.alloc(32, 7), null, null);
    await expect(challenge('ch-00000001', 'car-1', Buffer.alloc(32), null, null)).rejects.toThrow(/unique|primary|duplicate key/i);
    await expect(challenge('ch-00000002', 'car-x', Buffer.alloc(32), null, null)).rejects.toThrow(/foreign key/i);
    await expect(challenge('ch-00000003', 'car-1', Buffer.alloc(16), null, null)).rejects.toThrow(/check/i);
    // Used and outcome go together: a used challenge always says what its use came to.
    await expect(challenge('ch-00000004', 'car-1', Buffer.alloc(32), 't1', null)).rejects.toThrow(/check/i);

    const link = (id: string, vehicle: string, insurer: string) =>
      sql`INSERT INTO insurance_links VALUES (${id}, ${vehicle}, 'S1', '0A1B', 'CN=x', ${insurer}, NULL, '4711235', NULL, 't')`.execute(db);
    await link('ln-00000001', 'car-1', '070045');
    await expect(link('ln-00000002', 'car-x', '070045')).rejects.toThrow(/foreign key/i);
    await expect(link('ln-00000003', 'car-1', '0700')).rejects.toThrow(/check/i);
  });

  it('spends a challenge once through the store, whatever is tried after', async () => {
    const t = await openTestStore(dialect);
    cleanup = t.close;
    const { store } = t;
    await store.transaction(async (tx) => {
      await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      await tx.insertLinkChallenge({ id: 'ch-00000001', vehicleId: 'car-1', challenge: new Uint8Array(32).fill(9), createdAt: 't0', expiresAt: 't2' });
    });
    expect(await store.transaction((tx) => tx.useLinkChallenge('ch-00000001', 't1', 'VERIFIED'))).toBe(true);
    expect(await store.transaction((tx) => tx.useLinkChallenge('ch-00000001', 't1b', 'BAD_SIGNATURE'))).toBe(false);
    await store.transaction((tx) => tx.setLinkChallengeOutcome('ch-00000001', 'LINKED'));
    const row = await store.transaction((tx) => tx.getLinkChallenge('ch-00000001'));
    expect(row).toMatchObject({ vehicleId: 'car-1', usedAt: 't1', outcome: 'LINKED' });
    expect(row!.challenge).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(row!.challenge)).toEqual(Buffer.alloc(32, 9));
  });
});
