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

describe(`hub migration 008 (visit assignments and outcomes) on ${testStore}`, () => {
  it('keeps version-7 bookings and adds one vehicle per area and day, and one outcome per booking with its reason', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('intake_keys'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin'), ('car-2', 't', 'admin')");
    await run(`INSERT INTO bookings (id, external_id, channel, area, district, visit_date, slot, resident, eligibility, coverage, parking, services, status, created_at, created_by, updated_at, updated_by)
      VALUES ('b-1', 'P-1', 'phone', 'north', '平', '2026-12-04', 'am', '{}', '{}', 'yes', 'no', '[]', 'booked', 't', 'sys', 't', 'sys')`);

    await t.migrateTo(step('visits'));
    expect(await t.version()).toBe(step('visits'));
    expect((await run('SELECT id FROM bookings')).rows).toEqual([{ id: 'b-1' }]);

    const assign = (area: string, date: string, vehicle: string) =>
      sql`INSERT INTO visit_assignments (area, visit_date, vehicle_id, assigned_at, assigned_by) VALUES (${area}, ${date}, ${vehicle}, 't', 'd1')`.execute(db);
    await assign('north', '2026-12-04', 'car-1');
    await assign('south', '2026-12-04', 'car-1');
    await expect(assign('north', '2026-12-04', 'car-2')).rejects.toThrow(/unique|primary/i);
    await expect(assign('east', '2026-12-07', 'car-2')).rejects.toThrow(/check/i);
    await expect(assign('north', '2026-12-07', 'car-9')).rejects.toThrow(/foreign/i);

    const outcome = (booking: string, value: string, reason: string | null) =>
      sql`INSERT INTO visit_outcomes (booking_id, vehicle_id, outcome, reason, staff_id, recorded_at, received_at) VALUES (${booking}, 'car-1', ${value}, ${reason}, 'S1', 't', 't')`.execute(db);
    await expect(outcome('b-1', 'absent', null)).rejects.toThrow(/check/i);
    await expect(outcome('b-1', 'gone', 'r')).rejects.toThrow(/check/i);
    await expect(outcome('b-9', 'done', null)).rejects.toThrow(/foreign/i);
    await outcome('b-1', 'done', null);
    await expect(outcome('b-1', 'absent', '不在')).rejects.toThrow(/unique|primary/i);
  });
});
