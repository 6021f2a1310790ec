import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../hub/store/migrations';
import { openMigrationTarget, testStore } from '../support/hub-store';

const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe(`hub migration 006 (booking notices) on ${testStore}`, () => {
  it('keeps bookings and adds notices numbered in order, one per dedupe key, relay ones with an id to answer and call-backs with a contact', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('bookings'));
    await run(`INSERT INTO bookings (id, external_id, channel, area, district, visit_date, slot, resident, eligibility, coverage, parking, services, status, created_at, created_by, updated_at, updated_by)
               VALUES ('b-1', 'L-1', 'line', 'north', '平', '2026-12-07', 'am', '{}', '{}', 'yes', 'no', '[]', 'booked', 't', 'sys', 't', 'sys')`);
    await t.migrateTo(step('booking_notices'));
    expect(await t.version()).toBe(6);
    expect((await run('SELECT id FROM bookings')).rows).toEqual([{ id: 'b-1' }]);

    const insert = (id: string, key: string, audience: string, kind: string, externalId: string | null, contact: string | null) =>
      sql`INSERT INTO booking_notices (id, dedupe_key, booking_id, audience, kind, channel, external_id, message, contact, created_at)
          VALUES (${id}, ${key}, 'b-1', ${audience}, ${kind}, 'line', ${externalId}, 'm', ${contact}, 't')`.execute(db);
    await insert('n-1', 'confirmation:b-1:created', 'relay', 'confirmation', 'L-1', null);
    await insert('n-2', 'reminder:b-1:2026-12-07/am', 'callback', 'reminder', null, '{"name":"x","phone":"0"}');
    await expect(insert('n-3', 'reminder:b-1:2026-12-07/am', 'relay', 'reminder', 'L-1', null)).rejects.toThrow(/unique/i);
    await expect(insert('n-4', 'k4', 'relay', 'reminder', null, null)).rejects.toThrow(/check/i);
    await expect(insert('n-5', 'k5', 'callback', 'reminder', null, null)).rejects.toThrow(/check/i);
    await expect(insert('n-6', 'k6', 'relay', 'party', 'L-1', null)).rejects.toThrow(/check/i);
    await expect(insert('n-7', 'k7', 'fax', 'reminder', 'L-1', null)).rejects.toThrow(/check/i);
    await insert('n-8', 'k8', 'relay', 'changed', 'L-1', null);
    const rows = (await run('SELECT seq, id FROM booking_notices ORDER BY seq')).rows as { seq: number; id: string }[];
    expect(rows.map((r) => r.id)).toEqual(['n-1', 'n-2', 'n-8']);
    expect(rows[0]!.seq).toBeLessThan(rows[1]!.seq);
    expect(rows[1]!.seq).toBeLessThan(rows[2]!.seq);
  });
});
