// 和暦: certificates print dates as 令和8年11月24日, years 1 as 元年; the records report and its console page name fiscal years the same way.
const eras = [
  { name: '令和', start: '2019-05-01', first: 2019 },
  { name: '平成', start: '1989-01-08', first: 1989 },
  { name: '昭和', start: '1926-12-25', first: 1926 },
  { name: '大正', start: '1912-07-30', first: 1912 },
  { name: '明治', start: '1868-01-25', first: 1868 },
] as const;

function eraYear(name: string, year: number): string {
  return `${name}${year === 1 ? '元' : String(year)}年`;
}

/** 2026-11-24 → 令和8年11月24日. */
export function warekiDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const era = eras.find((e) => isoDate >= e.start);
  if (!era) return `${y}年${m}月${d}日`;
  return `${eraYear(era.name, y - era.first + 1)}${m}月${d}日`;
}

/** A fiscal year (April–March) by the era of its 1 April: 2025 → 令和7年度 (FY2019 is 平成31年度). */
export function warekiFiscalYear(fiscalYear: number): string {
  const era = eras.find((e) => `${fiscalYear}-04-01` >= e.start)!;
  return `${eraYear(era.name, fiscalYear - era.first + 1)}度`;
}

/** A calendar year by the era in force at its end: 2024 → 令和6年. */
export function warekiYear(year: number): string {
  const era = eras.find((e) => `${year}-12-31` >= e.start)!;
  return eraYear(era.name, year - era.first + 1);
}

/** The calendar date in Japan of an instant (the hub may run in UTC). */
export function japanDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
