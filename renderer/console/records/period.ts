// The period a records report covers, as the planning page chooses it: a fiscal year (年度, April to
// March, named 令和4年度) and, optionally, a month range inside it. Pure, so it is tested without a page.
import { warekiFiscalYear } from '../../../protocol/wareki';

/** The first fiscal year the page offers: the vehicle's service began in 令和4年度, earlier years may be imported. */
export const FIRST_FISCAL_YEAR = 2019;

export interface ReportPeriod {
  fiscalYear: number;
  /** 'YYYY-MM' inside the fiscal year; null is its first (from) or last (to) month. */
  from: string | null;
  to: string | null;
}

/** The fiscal year of a Tokyo calendar date ('YYYY-MM-DD'). */
export function fiscalYearOfDate(date: string): number {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return m >= 4 ? y : y - 1;
}

/** The years to choose from, newest first, each named as the city names it: 「令和4年度（2022年度）」. */
export function fiscalYearOptions(current: number): { value: number; label: string }[] {
  const years: { value: number; label: string }[] = [];
  for (let fy = current; fy >= FIRST_FISCAL_YEAR; fy--) years.push({ value: fy, label: `${warekiFiscalYear(fy)}（${fy}年度）` });
  return years;
}

/** The twelve months of a fiscal year, April first: { value: '2022-04', label: '2022年4月' }. */
export function monthsOf(fiscalYear: number): { value: string; label: string }[] {
  return Array.from({ length: 12 }, (_, i) => {
    const year = i < 9 ? fiscalYear : fiscalYear + 1;
    const month = ((i + 3) % 12) + 1;
    return { value: `${year}-${String(month).padStart(2, '0')}`, label: `${year}年${month}月` };
  });
}

/** The query string of the report's routes: the year, and the months only when they narrow it. */
export function periodQuery(p: ReportPeriod): string {
  const q = new URLSearchParams({ fiscalYear: String(p.fiscalYear) });
  if (p.from !== null) q.set('from', p.from);
  if (p.to !== null) q.set('to', p.to);
  return q.toString();
}

/** What the page says the table covers: 「令和4年度（2022年4月〜2023年3月）」. */
export function periodLabel(p: ReportPeriod): string {
  const months = monthsOf(p.fiscalYear);
  const from = months.find((m) => m.value === p.from) ?? months[0]!;
  const to = months.find((m) => m.value === p.to) ?? months[11]!;
  return `${warekiFiscalYear(p.fiscalYear)}（${from.label}〜${to.label}）`;
}
