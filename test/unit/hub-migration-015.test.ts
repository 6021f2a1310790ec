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

describe(`hub migration 015 (り災証明書 applicants counted in the records) on ${testStore}`, () => {
  it('is step 15', () => {
    expect(step('risai_counted')).toBe(15);
  });

  it('keeps every person-service of the outings and takes risai, nothing else new', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('risai_print'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run(`INSERT INTO outings (id, vehicle_id, source, date, fiscal_year, month, kind, place, staff, started_at, ended_at, explained, received_at)
      VALUES ('o-1', 'car-1', 'vehicle', '2026-11-24', 2026, '2026-11', 'disaster', '', '["S0001"]', 't', 't', 0, 't')`);
    const service = (personNo: number, name: string, countsPerson: number) =>
      run(`INSERT INTO outing_services (outing_id, person_no, service, department, month, kind, place, counts_person) VALUES ('o-1', ${personNo}, '${name}', NULL, '2026-11', 'disaster', '', ${countsPerson})`);
    await service(1, 'certificate', 1);
    await expect(service(2, 'risai', 1)).rejects.toThrow(/check/i);

    await t.migrateTo(step('risai_counted'));
    expect(await t.version()).toBe(15);
    await service(2, 'risai', 1);
    await service(1, 'risai', 0);
    await expect(service(3, 'lottery', 1)).rejects.toThrow(/check/i);
    await expect(service(1, 'risai', 0)).rejects.toThrow(/unique|primary/i);
    const rows = await run("SELECT person_no, service, counts_person FROM outing_services ORDER BY person_no, service");
    expect(rows.rows.map((r) => ({ ...(r as object) }))).toEqual([
      { person_no: 1, service: 'certificate', counts_person: 1 },
      { person_no: 1, service: 'risai', counts_person: 0 },
      { person_no: 2, service: 'risai', counts_person: 1 },
    ]);
  });
});
