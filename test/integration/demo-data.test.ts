// The demo's invented data on a real hub (SQLite and PostgreSQL): bookings on the coming visit days and
// last fiscal year's records and a disaster for り災証明書, put in once — a second start of the demo adds nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fiscalYearOf, inventedRecordsYear, seedDemoData } from '../../cli/demo-data';
import { recordsReport } from '../../hub/server/records';
import { addDays, tokyoDate } from '../../protocol/visit-calendar';
import { tempDir } from '../support/fixtures';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  t = await startTestHub();
  tmp = tempDir();
});
afterAll(async () => {
  await t?.stop();
  tmp?.remove();
});

describe('the demo data', () => {
  it('books three invented home visits on coming visit days, imports last fiscal year and adds a disaster, once', async () => {
    const today = tokyoDate(new Date());
    const first = await seedDemoData({ dataDir: tmp.dir, store: t.hub.store, bookings: t.hub.bookings });
    expect(first.bookings).toHaveLength(3);
    for (const b of first.bookings) expect(b.date > today).toBe(true);
    expect(first.recordsFiscalYear).toBe(fiscalYearOf(today) - 1);

    const again = await seedDemoData({ dataDir: tmp.dir, store: t.hub.store, bookings: t.hub.bookings });
    expect(again).toEqual(first);
    const booked = await t.hub.store.transaction((tx) => tx.listBookings({ from: today, to: addDays(today, 60) }));
    expect(booked).toHaveLength(3);
    for (const b of booked) expect(b.notes).toContain('架空');
    const report = await recordsReport(t.hub.store, { fiscalYear: first.recordsFiscalYear });
    // 12 months of 川前 and one other patrol place, and 1–3 予約訪問 a month: 48 outings, not twice that.
    expect(report.summary.operations).toBe(48);
    // One invented disaster for り災証明書, named as invented, registered once.
    expect(first.disaster).toContain('架空');
    const disasters = await t.hub.store.transaction((tx) => tx.risai().listDisasters());
    expect(disasters.map((d) => d.name)).toEqual([first.disaster]);
  });

  it('writes a records year the import accepts for every month from April to March', () => {
    const lines = inventedRecordsYear(2025).trim().split('\n');
    expect(lines).toHaveLength(1 + 12 * 3);
    expect(lines[1]).toMatch(/^2025,2025-04,/);
    expect(lines.at(-1)).toMatch(/^2025,2026-03,予約訪問,/);
  });
});
