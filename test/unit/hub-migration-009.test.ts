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

describe(`hub migration 009 (records) on ${testStore}`, () => {
  it('keeps version-8 visits and adds outings with their person-services and sales, and imported rows once each', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('visits'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO visit_assignments (area, visit_date, vehicle_id, assigned_at, assigned_by) VALUES ('north', '2026-12-04', 'car-1', 't', 'd1')");

    await t.migrateTo(step('records'));
    expect(await t.version()).toBe(step('records'));
    expect((await run('SELECT area FROM visit_assignments')).rows).toEqual([{ area: 'north' }]);

    const outing = (id: string, vehicle: string | null, kind: string) =>
      sql`INSERT INTO outings (id, vehicle_id, source, date, fiscal_year, month, kind, place, staff, started_at, ended_at, explained, received_at)
        VALUES (${id}, ${vehicle}, 'vehicle', '2022-10-05', 2022, '2022-10', ${kind}, '川前', '["S1"]', 't', 't', 0, 't')`.execute(db);
    await outing('outing-1', 'car-1', 'patrol');
    await expect(outing('outing-1', 'car-1', 'patrol')).rejects.toThrow(/unique|primary/i);
    await expect(outing('outing-2', 'car-9', 'patrol')).rejects.toThrow(/foreign/i);
    await expect(outing('outing-3', 'car-1', 'picnic')).rejects.toThrow(/check/i);

    const served = (person: number, service: string) =>
      sql`INSERT INTO outing_services (outing_id, person_no, service, department, month, kind, place, counts_person) VALUES ('outing-1', ${person}, ${service}, NULL, '2022-10', 'patrol', '川前', 1)`.execute(db);
    await served(1, 'certificate');
    await expect(served(1, 'certificate')).rejects.toThrow(/unique|primary/i);
    await expect(served(2, 'lottery')).rejects.toThrow(/check/i);
    await expect(sql`INSERT INTO outing_sales (outing_id, line_no, item, unit_yen, quantity) VALUES ('outing-1', 1, 'ごみ処理券', 300, 0)`.execute(db)).rejects.toThrow(/check/i);

    const imported = (month: string | null) =>
      sql`INSERT INTO imported_records (fiscal_year, month, kind, place, outings, certificate, people, explained, line_no, file_sha256, imported_at, imported_by)
        VALUES (2022, ${month}, 'on_demand', '', 9, NULL, 109, 20, 2, 'x', 't', 'planner')`.execute(db);
    await imported(null);
    await expect(imported(null)).rejects.toThrow(/unique|duplicate/i);
    await imported('2022-10');
    expect((await run('SELECT certificate FROM imported_records ORDER BY id')).rows).toEqual([{ certificate: null }, { certificate: null }]);
  });
});
