import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../hub/store/migrations';
import { openMigrationTarget, testStore } from '../support/hub-store';

/** A migration's number, by its name. */
const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe(`hub migration 007 (intake keys) on ${testStore}`, () => {
  it('keeps the bookings and adds intake keys, one row per key id, revocation recorded in place', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('intake_keys') - 1);
    await run(`INSERT INTO bookings (id, external_id, channel, area, district, visit_date, slot, resident, eligibility, coverage, parking, services, status, created_at, created_by, updated_at, updated_by)
      VALUES ('b-1', 'L-1', 'line', 'north', '平', '2026-12-07', 'am', '{}', '{}', 'yes', 'no', '[]', 'booked', 't', 'sys', 't', 'sys')`);

    await t.migrateTo(step('intake_keys'));
    expect(await t.version()).toBe(step('intake_keys'));
    expect((await run('SELECT id, external_id FROM bookings')).rows).toEqual([{ id: 'b-1', external_id: 'L-1' }]);

    await run("INSERT INTO intake_keys (id, name, secret, created_at, created_by) VALUES ('ik-0123456789abcdef', '中継', 's', 't', 'admin-cli')");
    await expect(run("INSERT INTO intake_keys (id, name, secret, created_at, created_by) VALUES ('ik-0123456789abcdef', '別', 's2', 't', 'admin-cli')")).rejects.toThrow(/unique|primary/i);
    await expect(run("INSERT INTO intake_keys (id, name, created_at, created_by) VALUES ('ik-1111111111111111', '鍵なし', 't', 'admin-cli')")).rejects.toThrow(/null/i);
    await run("UPDATE intake_keys SET revoked_at = 't2', revoked_by = 'admin-cli' WHERE id = 'ik-0123456789abcdef'");
    expect((await run('SELECT id, revoked_at FROM intake_keys')).rows).toEqual([{ id: 'ik-0123456789abcdef', revoked_at: 't2' }]);
  });
});
