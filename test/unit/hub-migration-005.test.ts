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

describe(`hub migration 005 (home-visit bookings) on ${testStore}`, () => {
  it('keeps version-4 rows and adds bookings where one slot holds one booked row and a channel\'s id is one booking', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('consultations'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO consultations (id, vehicle_id, staff_id, department, called_at) VALUES ('call-0001', 'car-1', 'S1', 'pension', 't0')");

    await t.migrateTo(step('bookings'));
    expect(await t.version()).toBe(5);
    expect((await run('SELECT id, department FROM consultations')).rows).toEqual([{ id: 'call-0001', department: 'pension' }]);

    const insert = (id: string, channel: string, externalId: string, slot: string, status = 'booked', cancelReason: string | null = null, area = 'north') =>
      sql`INSERT INTO bookings (id, external_id, channel, area, district, visit_date, slot, resident, eligibility, coverage, parking, services, status, cancel_reason, created_at, created_by, updated_at, updated_by)
          VALUES (${id}, ${externalId}, ${channel}, ${area}, '平', '2026-12-07', ${slot}, '{}', '{}', 'yes', 'no', '[]', ${status}, ${cancelReason}, 't', 'sys', 't', 'sys')`.execute(db);
    await insert('b-1', 'line', 'L-1', 'am');
    // The slot is taken while b-1 is booked, by any channel.
    await expect(insert('b-2', 'phone', 'P-1', 'am')).rejects.toThrow(/unique/i);
    await insert('b-3', 'phone', 'P-1', 'pm1');
    await insert('b-4', 'phone', 'P-2', 'am', 'booked', null, 'south');
    // The same channel's id is one booking; another channel may reuse the text.
    await expect(insert('b-5', 'line', 'L-1', 'pm2')).rejects.toThrow(/unique/i);
    await insert('b-6', 'web', 'L-1', 'pm2');
    // A cancelled booking gives its slot back.
    await run("UPDATE bookings SET status = 'cancelled', cancel_reason = 'r' WHERE id = 'b-1'");
    await insert('b-7', 'line', 'L-2', 'am');
    await insert('b-8', 'line', 'L-3', 'am', 'cancelled', 'r');
    await expect(insert('b-9', 'fax', 'F-1', 'pm2')).rejects.toThrow(/check/i);
    await expect(insert('b-10', 'line', 'L-4', 'night')).rejects.toThrow(/check/i);
    await expect(insert('b-11', 'line', 'L-5', 'pm2', 'cancelled')).rejects.toThrow(/check/i);
    await expect(insert('b-12', 'line', 'L-6', 'pm2', 'booked', 'r')).rejects.toThrow(/check/i);
    const booked = await run("SELECT id FROM bookings WHERE status = 'booked' ORDER BY id");
    expect(booked.rows).toEqual([{ id: 'b-3' }, { id: 'b-4' }, { id: 'b-6' }, { id: 'b-7' }]);
  });
});
