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

describe(`hub migration 014 (り災証明書 printed on a vehicle) on ${testStore}`, () => {
  it('is step 14', () => {
    expect(step('risai_print')).toBe(14);
  });

  it('keeps the applications and adds where their certificate was sent and when it was handed over, empty', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('risai'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO risai_disasters VALUES ('d-1', '台風', 'storm_flood', '2023-09-08', '平', 1, 't', 'admin')");
    await run(`INSERT INTO risai_applications (id, vehicle_id, number, disaster_id, district, survey, input, status, grade, photo_count, complete_at, staff_id, taken_at, received_at, updated_at)
      VALUES ('app-1', 'car-1', 'R1125-001', 'd-1', '平', 'on_site', '{}', 'issued', 'half', 0, 't', 'S1', 't', 't', 't')`);
    await expect(run('SELECT print_job_id FROM risai_applications')).rejects.toThrow();
    await t.migrateTo(step('risai_print'));
    expect(await t.version()).toBe(14);
    const rows = await run('SELECT id, status, print_job_id, print_vehicle_id, print_sent_at, handed_over_at FROM risai_applications');
    expect(rows.rows).toEqual([{ id: 'app-1', status: 'issued', print_job_id: null, print_vehicle_id: null, print_sent_at: null, handed_over_at: null }]);
  });
});
