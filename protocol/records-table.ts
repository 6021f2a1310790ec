// The city's records table (002 section IV) as lines: which service columns it shows, its title, and
// its rows in print order. The hub's CSV, Excel and PDF and the console's report page lay it out from
// this one place, so every copy of the table reads the same.
import { outingKindLabel, RECORD_SERVICES, recordServiceLabel, type RecordsReport, type RecordsRow, type RecordService } from './records';
import { warekiFiscalYear } from './wareki';

/** The services the table shows: スマホ市役所 only once any row counts it (the city's older tables have no such column). */
export function shownServices(report: RecordsReport): RecordService[] {
  return RECORD_SERVICES.filter((s) => s !== 'smartphone' || [...report.rows, report.total].some((r) => r.services.smartphone !== null));
}

/** Whether a report covers its whole fiscal year (April to March). */
export function coversFiscalYear(report: Pick<RecordsReport, 'fiscalYear' | 'from' | 'to'>): boolean {
  return report.fiscalYear !== null && report.from === `${report.fiscalYear}-04` && report.to === `${report.fiscalYear + 1}-03`;
}

/** 「行政 MaaS 令和4年度実績」, or with the months when the report covers part of a year. */
export function reportTitle(report: RecordsReport): string {
  if (coversFiscalYear(report)) return `行政 MaaS ${warekiFiscalYear(report.fiscalYear!)}実績`;
  return `行政 MaaS 実績（${report.from}〜${report.to}）`;
}

export interface TableLine {
  kind: string;
  place: string;
  cells: string[];
  /** 地区定期巡回's 計 and the 合計 row, printed bold. */
  total: boolean;
}

/** The table's lines in print order: each 地区定期巡回 place, its 計, the other kinds, the total; 「-」 where a count is null. */
export function tableLines(report: RecordsReport, units: boolean): { header: string[]; lines: TableLine[] } {
  const services = shownServices(report);
  const count = (v: number | null, unit: string) => (v === null ? '-' : units ? `${v}${unit}` : String(v));
  const cells = (r: RecordsRow) => [count(r.outings, '回'), ...services.map((s) => count(r.services[s], '人')), count(r.people, '人'), count(r.explained, '人')];
  const lines: TableLine[] = [];
  for (const r of report.rows.filter((x) => x.kind === 'patrol')) lines.push({ kind: outingKindLabel.patrol, place: r.place ?? '', cells: cells(r), total: false });
  if (report.patrolTotal) lines.push({ kind: outingKindLabel.patrol, place: '計', cells: cells(report.patrolTotal), total: true });
  for (const r of report.rows.filter((x) => x.kind !== 'patrol')) lines.push({ kind: outingKindLabel[r.kind], place: r.place ?? '', cells: cells(r), total: false });
  lines.push({ kind: '合計', place: '', cells: cells(report.total), total: true });
  return { header: ['区分', '場所', '回数', ...services.map((s) => recordServiceLabel[s]), '計', '説明者数'], lines };
}
