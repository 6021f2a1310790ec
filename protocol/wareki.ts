// 和暦: the city writes dates to residents as 令和8年11月24日 (year 1 as 元年), on certificates,
// receipts and screens; the records report names fiscal years the same way. Dates typed by staff may
// come as 昭和13年2月11日, S13.2.11, 昭和13.2.11, H1.1.8 or 1938-02-11 (full-width digits too) and
// are kept as ISO dates. One rule for the vehicle and the hub; no I/O.

/** Each era and its first day (Gregorian), newest first. Dates before 明治6年 (1873) were lunar: not accepted as input. */
const eras = [
  { name: '令和', letter: 'R', start: '2019-05-01', first: 2019 },
  { name: '平成', letter: 'H', start: '1989-01-08', first: 1989 },
  { name: '昭和', letter: 'S', start: '1926-12-25', first: 1926 },
  { name: '大正', letter: 'T', start: '1912-07-30', first: 1912 },
  { name: '明治', letter: 'M', start: '1868-01-25', first: 1868 },
] as const;
type Era = (typeof eras)[number];

/** The first day the Gregorian calendar was in use in Japan (明治6年1月1日). */
const GREGORIAN_FROM = '1873-01-01';

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

/** 1938-02-11 → 1938年2月11日. */
export function seirekiDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}

/** A birth date shown back to the person who typed it: 昭和13年2月11日 (1938年2月11日). */
export function warekiWithSeireki(isoDate: string): string {
  return `${warekiDate(isoDate)} (${seirekiDate(isoDate)})`;
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

export type ParsedDate = { ok: true; isoDate: string } | { ok: false; message: string };

const iso = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

// 昭和13年2月11日 / 昭和13.2.11 / S13.2.11 / 昭和元年12月25日 (after NFKC: ASCII digits and letters).
const ERA_FORM = /^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:年|[./-])\s*(\d{1,2})\s*(?:月|[./-])\s*(\d{1,2})\s*日?$/i;
// 1938-02-11 / 1938/2/11 / 1938.2.11 / 1938年2月11日.
const WESTERN_FORM = /^(\d{4})\s*(?:年|[./-])\s*(\d{1,2})\s*(?:月|[./-])\s*(\d{1,2})\s*日?$/;

/**
 * A date as staff type it, in 和暦 or 西暦, to an ISO date; otherwise a Japanese message naming the
 * field. An era date must fall within its era: 昭和64年1月7日 is a date, 昭和64年1月8日 is not (平成 began).
 */
export function parseJapaneseDate(input: string, field: string): ParsedDate {
  const text = input.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (text === '') return { ok: false, message: `${field}を入力してください。` };
  const example = `${field}は 昭和13年2月11日、S13.2.11 または 1938-02-11 の形で入力してください。`;
  const western = WESTERN_FORM.exec(text);
  if (western) {
    const [y, m, d] = [Number(western[1]), Number(western[2]), Number(western[3])];
    if (!isRealDate(y, m, d)) return { ok: false, message: `${field}が正しい日付ではありません（${y}年${m}月${d}日はありません）。` };
    const date = iso(y, m, d);
    if (date < GREGORIAN_FROM) return { ok: false, message: `${field}が古すぎます。明治6年（1873年）以降の日付を入力してください。` };
    return { ok: true, isoDate: date };
  }
  const wareki = ERA_FORM.exec(text);
  if (!wareki) return { ok: false, message: example };
  const key = wareki[1]!;
  const era: Era = eras.find((e) => e.name === key || e.letter === key.toUpperCase())!;
  const eraYearNumber = wareki[2] === '元' ? 1 : Number(wareki[2]);
  const [m, d] = [Number(wareki[3]), Number(wareki[4])];
  const written = `${eraYear(era.name, eraYearNumber)}${m}月${d}日`;
  if (eraYearNumber < 1) return { ok: false, message: `${field}の年が正しくありません（${era.name}0年はありません）。` };
  const y = era.first + eraYearNumber - 1;
  if (!isRealDate(y, m, d)) return { ok: false, message: `${field}が正しい日付ではありません（${written}はありません）。` };
  const date = iso(y, m, d);
  if (date < era.start) {
    return { ok: false, message: `${field}の${written}は${era.name}の始まり（${seirekiDate(era.start)}）より前です。元号を確かめてください。` };
  }
  const next = eras[eras.indexOf(era) - 1];
  if (next && date >= next.start) {
    return { ok: false, message: `${field}の${written}はありません。${seirekiDate(next.start)}からは${next.name}です（${warekiDate(date)}）。` };
  }
  if (date < GREGORIAN_FROM) return { ok: false, message: `${field}が古すぎます。明治6年（1873年）以降の日付を入力してください。` };
  return { ok: true, isoDate: date };
}
