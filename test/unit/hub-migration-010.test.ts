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

describe(`hub migration 010 (daily closes) on ${testStore}`, () => {
  it('keeps version-9 outings and adds each outing’s close once, a difference only with its reason, and its money lines', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('records'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run(`INSERT INTO outings (id, vehicle_id, source, date, fiscal_year, month, kind, place, staff, started_at, ended_at, explained, received_at)
      VALUES ('outing-1', 'car-1', 'vehicle', '2026-11-24', 2026, '2026-11', 'other', NULL, '["S1"]', 't', 't', 0, 't')`);

    await t.migrateTo(step('daily_closes'));
    expect(await t.version()).toBe(10);
    expect((await run('SELECT id FROM outings')).rows).toEqual([{ id: 'outing-1' }]);

    const close = (outing: string, difference: number, reason: string | null) =>
      sql`INSERT INTO daily_closes (outing_id, vehicle_id, date, month, closed_at, closed_by, fees_yen, goods_yen, refunds_yen, expected_yen, counted_yen,
          difference_yen, reason, counted, cashless, received_at)
        VALUES (${outing}, 'car-1', '2026-11-24', '2026-11', 't', 'S1', 300, 0, 0, 300, ${300 + difference}, ${difference}, ${reason}, '{}', '[]', 't')`.execute(db);
    await expect(close('outing-1', -100, null)).rejects.toThrow(/check/i);
    await expect(close('outing-9', 0, null)).rejects.toThrow(/foreign/i);
    await close('outing-1', -100, '数え間違い');
    await expect(close('outing-1', 0, null)).rejects.toThrow(/unique|primary/i);

    const line = (no: number, kind: string, method: string) =>
      sql`INSERT INTO daily_close_lines (outing_id, line_no, month, kind, item, quantity, method, amount_yen) VALUES ('outing-1', ${no}, '2026-11', ${kind}, 'juminhyo', 1, ${method}, 300)`.execute(db);
    await line(1, 'fee', 'cash');
    await expect(line(1, 'fee', 'cash')).rejects.toThrow(/unique|primary/i);
    await expect(line(2, 'tip', 'cash')).rejects.toThrow(/check/i);
    await expect(line(3, 'fee', 'barter')).rejects.toThrow(/check/i);
    await line(2, 'refund', 'cash');
    expect((await run('SELECT kind FROM daily_close_lines ORDER BY line_no')).rows).toEqual([{ kind: 'fee' }, { kind: 'refund' }]);
  });
});
