// The demo's invented data (架空), put in on first start so there is something to look at: a few
// home-visit bookings on the coming visit days (the dispatcher's calendar, the vehicle's day), last
// fiscal year's outings month by month in the records (the planner's 実績), and a disaster the vehicle
// takes り災証明書 applications for. Bookings are keyed by
// their external id and the records are imported once (a marker file), so a second start adds nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BookingInput } from '../protocol/bookings';
import { addDays, tokyoDate } from '../protocol/visit-calendar';
import type { AreaId } from '../protocol/visit-rules';
import type { BookingService } from '../hub/server/bookings';
import { importRecordsCsv } from '../hub/server/records';
import { addDisaster } from '../hub/server/risai';
import type { HubStore } from '../hub/store/types';

/** Invented residents who asked for a home visit (no real person; phone numbers in an unused range). */
const demoVisits: { externalId: string; area: AreaId; district: string; resident: BookingInput['resident']; services: BookingInput['services']; reasons: BookingInput['eligibility']['reasons'] }[] = [
  {
    externalId: 'demo-visit-1', area: 'north', district: '川前',
    resident: { name: '架空 トメ', kana: 'かくう とめ', birthDate: '1939-05-03', address: '福島県いわき市川前町架空字一番1', phone: '0246000001' },
    services: [{ type: 'certificate', kind: 'juminhyo', copies: 1 }], reasons: ['elderly'],
  },
  {
    externalId: 'demo-visit-2', area: 'north', district: '三和',
    resident: { name: '見本 清', kana: 'みほん きよし', birthDate: '1944-10-21', address: '福島県いわき市三和町架空字二番2', phone: '0246000002' },
    services: [{ type: 'insurance_link' }, { type: 'smartphone_help' }], reasons: ['license_returned'],
  },
  {
    externalId: 'demo-visit-3', area: 'south', district: '田人',
    resident: { name: '例題 ハル', kana: 'れいだい はる', birthDate: '1936-01-15', address: '福島県いわき市田人町架空字三番3', phone: '0246000003' },
    services: [{ type: 'consultation', department: 'welfare_health' }], reasons: ['elderly', 'disability'],
  },
];

/** 昨年度 (April to March), invented month by month: 川前 every month, 田人 and 久之浜・大久 in turn, 予約訪問 each month. */
export function inventedRecordsYear(fiscalYear: number): string {
  const lines = ['年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数'];
  for (let i = 0; i < 12; i += 1) {
    const month = i < 9 ? `${fiscalYear}-${String(i + 4).padStart(2, '0')}` : `${fiscalYear + 1}-${String(i - 8).padStart(2, '0')}`;
    lines.push(`${fiscalYear},${month},地区定期巡回,川前,1回,${i % 3},${i + 2}人,1人,2人,3人,${i + 9}人,`);
    lines.push(`${fiscalYear},${month},地区定期巡回,${i % 2 === 0 ? '田人' : '久之浜・大久'},1回,1人,2人,0人,1人,4人,8人,`);
    lines.push(`${fiscalYear},${month},予約訪問,,${1 + (i % 3)}回,-,-,-,1人,${5 + (i % 4)}人,${6 + (i % 4)}人,2人`);
  }
  return `${lines.join('\n')}\n`;
}

/** April starts the fiscal year (年度). */
export function fiscalYearOf(day: string): number {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return month >= 4 ? year : year - 1;
}

export interface DemoDataSummary {
  bookings: { date: string; district: string }[];
  recordsFiscalYear: number;
  /** The invented disaster the vehicle takes り災証明書 applications for. */
  disaster?: string;
}

/** An invented disaster (its name says so), with 自己判定方式 allowed so photos can be tried. */
export const demoDisaster = { name: '架空の大雨災害（デモ用）', kind: 'storm_flood', area: '平・内郷（デモ）', selfAssessment: true } as const;

export async function seedDemoData(options: { dataDir: string; store: HubStore; bookings: BookingService; now?: Date }): Promise<DemoDataSummary> {
  const now = options.now ?? new Date();
  const marker = join(options.dataDir, 'demo-data.json');
  const seeded = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as Partial<DemoDataSummary>) : {};

  const bookings: DemoDataSummary['bookings'] = [];
  const today = tokyoDate(now);
  for (const visit of demoVisits) {
    // The first free slot of the visit days from the earliest day the rules allow (a known id answers its booking).
    const { days } = await options.bookings.availability(visit.area, today, addDays(today, 45));
    const taken = new Set(bookings.map((b) => b.date));
    const free = days.flatMap((d) => d.slots.filter((s) => s.status === 'free').map((s) => ({ date: d.date, slot: s.slot }))).find((s) => !taken.has(s.date)) ??
      days.flatMap((d) => d.slots.filter((s) => s.status === 'free').map((s) => ({ date: d.date, slot: s.slot })))[0];
    if (!free) continue;
    const input: BookingInput = {
      externalId: visit.externalId, channel: 'phone', district: visit.district, area: visit.area, date: free.date, slot: free.slot,
      resident: visit.resident, eligibility: { reasons: visit.reasons }, coverage: 'unknown', parking: 'yes', services: visit.services,
      notes: '架空のデモ用予約です。',
    };
    const outcome = await options.bookings.book(input, 'demo');
    if (outcome.status !== 'refused') bookings.push({ date: outcome.booking.date, district: outcome.booking.district });
  }

  const recordsFiscalYear = seeded.recordsFiscalYear ?? fiscalYearOf(today) - 1;
  if (seeded.recordsFiscalYear === undefined) {
    await importRecordsCsv(options.store, { text: inventedRecordsYear(recordsFiscalYear), by: 'demo', at: now.toISOString() });
  }
  let disaster = seeded.disaster;
  if (disaster === undefined) {
    disaster = (await addDisaster(options.store, { ...demoDisaster, date: addDays(today, -3) }, 'demo', { now: () => now })).name;
  }
  const summary = { bookings, recordsFiscalYear, disaster };
  writeFileSync(marker, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
