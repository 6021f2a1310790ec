// The city's records (実績) at the hub: a vehicle's outing record turned into rows, the city's earlier
// years imported from its printed tables, and the report — the rows of 002 section IV — summed in SQL
// and laid out here. A person counts once in 計 and once in each service they received.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  OUTING_KINDS, outingKindLabel, RECORD_SERVICES, recordServiceLabel, type OutingKind, type OutingRecordMessage, type RecordsReport,
  type RecordsRow, type RecordService,
} from '../../protocol/records';
import type { HubStore, ImportedRecordRow, OutingPersonServices, OutingRow, RecordsFilter, RecordTotals } from '../store/types';
import { badRequest } from '../errors';
import { parseCsv } from './csv';

const YearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: '月は YYYY-MM の形で書いてください（例 2022-10）。' });

/** The fiscal year (年度, April to March) a month belongs to. */
export function fiscalYearOf(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m >= 4 ? y : y - 1;
}

/** What a vehicle's outing record writes: the outing and each person's services, numbered within it. */
export function outingRows(vehicleId: string, m: OutingRecordMessage, at: string): { outing: OutingRow; people: OutingPersonServices[] } {
  const month = m.date.slice(0, 7);
  return {
    outing: {
      id: m.outingId, vehicleId, date: m.date, fiscalYear: fiscalYearOf(month), month, kind: m.kind, place: m.place, staff: JSON.stringify(m.staff),
      startedAt: m.startedAt, endedAt: m.endedAt, explained: m.explained, receivedAt: at,
    },
    people: m.people.map((p, i) => ({ personNo: i + 1, services: p.services, department: p.departments?.length ? p.departments.join(',') : null })),
  };
}

/** The months a report covers: a fiscal year, a month range, or a month range inside a fiscal year. */
export const ReportRange = z
  .object({
    fiscalYear: z.number({ error: '年度は数字で書いてください（例 2022）。' }).int().min(2000, { error: '年度は2000年度以降を書いてください。' }).max(2100, { error: '年度が大きすぎます。' }).optional(),
    from: YearMonth.optional(),
    to: YearMonth.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.fiscalYear === undefined && (r.from === undefined || r.to === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['fiscalYear'], message: '年度（--fy）か、期間の始まりと終わり（--from と --to）を指定してください。' });
      return;
    }
    const from = r.from ?? `${r.fiscalYear}-04`;
    const to = r.to ?? `${r.fiscalYear! + 1}-03`;
    if (from > to) ctx.addIssue({ code: 'custom', path: ['to'], message: `期間の終わり（${to}）が始まり（${from}）より前です。` });
    if (r.fiscalYear !== undefined && (fiscalYearOf(from) !== r.fiscalYear || fiscalYearOf(to) !== r.fiscalYear)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `期間（${from}〜${to}）が${r.fiscalYear}年度（${r.fiscalYear}-04〜${r.fiscalYear + 1}-03）の外にあります。` });
    }
  });
export type ReportRange = z.infer<typeof ReportRange>;

/** The store's filter for a range: a whole fiscal year also takes the imported rows that name no month. */
export function recordsFilter(range: ReportRange): RecordsFilter & { fiscalYear: number | null } {
  const from = range.from ?? `${range.fiscalYear}-04`;
  const to = range.to ?? `${range.fiscalYear! + 1}-03`;
  const fy = fiscalYearOf(from) === fiscalYearOf(to) ? fiscalYearOf(from) : null;
  const whole = fy !== null && from === `${fy}-04` && to === `${fy + 1}-03` ? fy : null;
  return { from, to, wholeFiscalYear: whole, fiscalYear: range.fiscalYear ?? fy };
}

const plus = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);
const emptyServices = (v: number | null) => Object.fromEntries(RECORD_SERVICES.map((s) => [s, v])) as Record<RecordService, number | null>;

function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (let month = from; month <= to; month = `${y}-${String(m).padStart(2, '0')}`) {
    out.push(month);
    if (++m > 12) { m = 1; y++; }
  }
  return out;
}

/** The city's table from the store's sums: pure, so the layout rules are tested without a database. */
export function buildRecordsReport(totals: RecordTotals, filter: RecordsFilter & { fiscalYear: number | null }): RecordsReport {
  // 地区定期巡回 is a row per place; every other kind is one row, whatever place it names.
  const keyOf = (kind: string, place: string) => (kind === 'patrol' ? `patrol\u0000${place}` : `${kind}\u0000`);
  const rows = new Map<string, RecordsRow & { order: number }>();
  const rowFor = (kind: string, place: string, order = Number.MAX_SAFE_INTEGER) => {
    const key = keyOf(kind, place);
    let row = rows.get(key);
    if (!row) {
      row = { kind: kind as OutingKind, place: kind === 'patrol' ? place : null, outings: 0, services: emptyServices(null), people: null, explained: null, order };
      rows.set(key, row);
    }
    row.order = Math.min(row.order, order);
    return row;
  };
  for (const o of totals.outings) {
    const row = rowFor(o.kind, o.place);
    row.outings += o.outings;
    // The terminal counts every service: a vehicle's outing makes each count a number, 0 when none.
    for (const s of RECORD_SERVICES) row.services[s] ??= 0;
    row.people ??= 0;
    row.explained = plus(row.explained, o.explained);
  }
  // A り災証明書 application has no column of the table: its person counts in 計 and in the summary.
  let risaiApplicants = 0;
  for (const s of totals.services) {
    const row = rowFor(s.kind, s.place);
    if (s.service === 'risai') risaiApplicants += s.served;
    else row.services[s.service as RecordService] = plus(row.services[s.service as RecordService], s.served);
    row.people = plus(row.people, s.people);
  }
  for (const r of totals.imported) {
    const row = rowFor(r.kind, r.place, r.firstLine);
    row.outings += r.outings;
    for (const s of RECORD_SERVICES) row.services[s] = plus(row.services[s], r[s]);
    row.people = plus(row.people, r.people);
    row.explained = plus(row.explained, r.explained);
  }
  const ordered = [...rows.values()].sort((a, b) =>
    OUTING_KINDS.indexOf(a.kind) - OUTING_KINDS.indexOf(b.kind) || a.order - b.order || (a.place ?? '').localeCompare(b.place ?? '', 'ja'),
  ).map(({ order: _order, ...row }) => row);
  const sum = (of: RecordsRow[], kind: OutingKind | null, place: string | null): RecordsRow => {
    const total: RecordsRow = { kind: kind ?? 'patrol', place, outings: 0, services: emptyServices(null), people: null, explained: null };
    for (const r of of) {
      total.outings += r.outings;
      for (const s of RECORD_SERVICES) total.services[s] = plus(total.services[s], r.services[s]);
      total.people = plus(total.people, r.people);
      total.explained = plus(total.explained, r.explained);
    }
    return total;
  };
  const patrolRows = ordered.filter((r) => r.kind === 'patrol');
  const total = sum(ordered, null, null);
  const byKind = Object.fromEntries(OUTING_KINDS.map((k) => [k, ordered.filter((r) => r.kind === k).reduce((n, r) => n + r.outings, 0)])) as Record<OutingKind, number>;

  const monthly = monthsBetween(filter.from, filter.to).map((month) => ({ month, services: emptyServices(0) as Record<RecordService, number>, people: 0, outingsByPlace: {} as Record<string, number> }));
  const byMonth = new Map(monthly.map((m) => [m.month, m]));
  const placeName = (kind: string, place: string) => (kind === 'patrol' ? place : outingKindLabel[kind as OutingKind]);
  for (const s of totals.monthlyServices) {
    const m = byMonth.get(s.month);
    if (!m) continue;
    if (s.service !== 'risai') m.services[s.service as RecordService] += s.served;
    m.people += s.people;
  }
  for (const o of [...totals.monthlyOutings, ...totals.monthlyImported]) {
    const m = byMonth.get(o.month);
    if (!m) continue;
    const name = placeName(o.kind, o.place);
    m.outingsByPlace[name] = (m.outingsByPlace[name] ?? 0) + o.outings;
  }
  for (const r of totals.monthlyImported) {
    const m = byMonth.get(r.month);
    if (!m) continue;
    for (const s of RECORD_SERVICES) m.services[s] += r[s] ?? 0;
    m.people += r.people ?? 0;
  }
  return {
    from: filter.from, to: filter.to, fiscalYear: filter.fiscalYear,
    rows: ordered,
    patrolTotal: patrolRows.length ? sum(patrolRows, 'patrol', null) : null,
    total,
    summary: { operations: total.outings, byKind, patrolPlaces: patrolRows.length, served: total.people ?? 0, risaiApplicants, explained: total.explained ?? 0 },
    risai: [...totals.risai].sort((a, b) => a.disaster.localeCompare(b.disaster, 'ja') || a.area.localeCompare(b.area, 'ja')),
    monthly,
  };
}

export async function recordsReport(store: HubStore, range: unknown): Promise<RecordsReport> {
  const parsed = ReportRange.safeParse(range);
  if (!parsed.success) throw badRequest('BAD_REPORT_RANGE', parsed.error.issues[0]!.message);
  const filter = recordsFilter(parsed.data);
  const totals = await store.transaction((tx) => tx.recordTotals(filter));
  return buildRecordsReport(totals, filter);
}

// ---- import of the city's earlier tables (docs/records-import.md) ----

/** The import file's columns, by the header's words. スマホ市役所 may be left out (the city's older tables have none). */
const IMPORT_COLUMNS = {
  fiscalYear: '年度', month: '月', kind: '種類', place: '場所', outings: '回数',
  certificate: recordServiceLabel.certificate, mynumber_card: recordServiceLabel.mynumber_card, garbage_ticket: recordServiceLabel.garbage_ticket,
  consultation: recordServiceLabel.consultation, frailty: recordServiceLabel.frailty, smartphone: recordServiceLabel.smartphone,
  people: '計', explained: '説明者数',
} as const;
const OPTIONAL_COLUMNS = new Set<string>([IMPORT_COLUMNS.smartphone]);

/** The kind column's words: the table's own labels, and the short ones of its summary line. */
const kindByLabel = new Map<string, OutingKind>([
  ...OUTING_KINDS.map((k) => [outingKindLabel[k], k] as const),
  ['り災', 'disaster'], ['り災証明書', 'disaster'], ['期日前投票', 'early_voting'],
]);

/** 「5回」「27人」「5」, or 「-」 / empty for not offered. */
const countCell = (column: string, nullable: boolean) =>
  z.string().trim().transform((v, ctx) => {
    if (v === '-' || v === 'ー' || v === '－' || v === '') {
      if (nullable) return null;
      ctx.addIssue({ code: 'custom', message: `${column}を数字で書いてください（「-」は使えません）。` });
      return z.NEVER;
    }
    const m = /^(\d{1,7})(回|人)?$/.exec(v);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `${column}は0以上の整数か「-」で書いてください（「${v.slice(0, 12)}」は読めません）。` });
      return z.NEVER;
    }
    return Number(m[1]);
  });

const ImportRow = z
  .object({
    fiscalYear: z.string().trim().regex(/^\d{4}$/, { error: '年度は西暦4桁で書いてください（例 2022）。' }).transform(Number),
    month: z.string().trim().refine((v) => v === '' || YearMonth.safeParse(v).success, { error: '月は YYYY-MM の形で書くか、年度の合計なら空にしてください。' }).transform((v) => (v === '' ? null : v)),
    kind: z.string().trim().transform((v, ctx) => {
      const kind = kindByLabel.get(v);
      if (!kind) {
        ctx.addIssue({ code: 'custom', message: `種類「${v.slice(0, 20)}」は使えません（地区定期巡回・予約訪問・り災証明書出張申請受付・移動期日前投票所・その他）。` });
        return z.NEVER;
      }
      return kind;
    }),
    place: z.string().trim().max(40, { error: '場所は40文字以内で書いてください。' }),
    outings: countCell('回数', false),
    certificate: countCell(IMPORT_COLUMNS.certificate, true),
    mynumber_card: countCell(IMPORT_COLUMNS.mynumber_card, true),
    garbage_ticket: countCell(IMPORT_COLUMNS.garbage_ticket, true),
    consultation: countCell(IMPORT_COLUMNS.consultation, true),
    frailty: countCell(IMPORT_COLUMNS.frailty, true),
    smartphone: countCell(IMPORT_COLUMNS.smartphone, true),
    people: countCell('計', true),
    explained: countCell('説明者数', true),
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'patrol' && r.place === '') ctx.addIssue({ code: 'custom', path: ['place'], message: '地区定期巡回の行には場所を書いてください。' });
    if (r.month !== null && fiscalYearOf(r.month) !== r.fiscalYear) {
      ctx.addIssue({ code: 'custom', path: ['month'], message: `月（${r.month}）が${r.fiscalYear}年度（${r.fiscalYear}-04〜${r.fiscalYear + 1}-03）の外にあります。` });
    }
    // 計 counts each person once: never fewer than the people of any one service.
    for (const s of RECORD_SERVICES) {
      const v = r[s];
      if (v !== null && r.people !== null && v > r.people) ctx.addIssue({ code: 'custom', path: [s], message: `${recordServiceLabel[s]}（${v}人）が計（${r.people}人）より多くなっています。` });
    }
  });

export interface RecordsImportProblem {
  line: number;
  message: string;
}

export class RecordsImportError extends Error {
  readonly code = 'RECORDS_IMPORT_REFUSED';
  constructor(readonly problems: RecordsImportProblem[]) {
    super(`取り込めませんでした（何も取り込んでいません）。\n${problems.map((p) => `${p.line}行目: ${p.message}`).join('\n')}`);
  }
}

/**
 * Imports the city's earlier table rows in one transaction: any bad row refuses the whole file, each
 * problem named with its line. A row (年度, 月, 種類, 場所) already imported is refused too, so importing
 * the same file twice never doubles the numbers.
 */
export async function importRecordsCsv(store: HubStore, opts: { text: string; by: string; at: string }): Promise<{ rows: number; sha256: string }> {
  const sha256 = createHash('sha256').update(opts.text).digest('hex');
  let records;
  try {
    records = parseCsv(opts.text);
  } catch (e) {
    throw new RecordsImportError([{ line: Number(/^(\d+)行目/.exec((e as Error).message)?.[1] ?? 1), message: (e as Error).message.replace(/^\d+行目: /, '') }]);
  }
  const [header, ...body] = records;
  if (!header) throw new RecordsImportError([{ line: 1, message: '見出しの行がありません。' }]);
  const names = header.fields.map((f) => f.trim());
  const problems: RecordsImportProblem[] = [];
  for (const word of Object.values(IMPORT_COLUMNS)) {
    if (!OPTIONAL_COLUMNS.has(word) && !names.includes(word)) problems.push({ line: header.line, message: `見出しに「${word}」の列がありません。` });
  }
  for (const [i, name] of names.entries()) {
    if (!(Object.values(IMPORT_COLUMNS) as string[]).includes(name)) problems.push({ line: header.line, message: `見出しの${i + 1}列目「${name.slice(0, 20)}」は使えない列名です。` });
    else if (names.indexOf(name) !== i) problems.push({ line: header.line, message: `見出しに「${name}」が2回あります。` });
  }
  if (problems.length) throw new RecordsImportError(problems);
  if (body.length === 0) throw new RecordsImportError([{ line: header.line + 1, message: '取り込む行がありません。' }]);

  const rows: ImportedRecordRow[] = [];
  const seen = new Map<string, number>();
  for (const record of body) {
    if (record.fields.length !== names.length) {
      problems.push({ line: record.line, message: `列の数が${record.fields.length}です（見出しは${names.length}列）。` });
      continue;
    }
    const cells = Object.fromEntries(Object.entries(IMPORT_COLUMNS).map(([field, word]) => [field, names.includes(word) ? record.fields[names.indexOf(word)] : '']));
    const parsed = ImportRow.safeParse(cells);
    if (!parsed.success) {
      problems.push({ line: record.line, message: parsed.error.issues.map((i) => i.message).join(' ') });
      continue;
    }
    const r = parsed.data;
    const key = `${r.fiscalYear}|${r.month ?? ''}|${r.kind}|${r.place}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ line: record.line, message: `${first}行目と同じ年度・月・種類・場所の行です。` });
      continue;
    }
    seen.set(key, record.line);
    rows.push({
      fiscalYear: r.fiscalYear, month: r.month, kind: r.kind, place: r.place, outings: r.outings ?? 0, certificate: r.certificate, mynumberCard: r.mynumber_card,
      garbageTicket: r.garbage_ticket, consultation: r.consultation, frailty: r.frailty, smartphone: r.smartphone, people: r.people, explained: r.explained,
      lineNo: record.line, fileSha256: sha256, importedAt: opts.at, importedBy: opts.by,
    });
  }
  if (problems.length) throw new RecordsImportError(problems);
  await store.transaction(async (tx) => {
    const already: RecordsImportProblem[] = [];
    for (const r of rows) {
      if (await tx.hasImportedRecord(r)) already.push({ line: r.lineNo, message: `${r.fiscalYear}年度${r.month ? `${r.month}` : ''}の「${outingKindLabel[r.kind as OutingKind]}${r.place ? `・${r.place}` : ''}」はもう取り込まれています（二重に数えないため取り込みません）。` });
    }
    if (already.length) throw new RecordsImportError(already);
    await tx.insertImportedRecords(rows);
    await tx.appendAudit({ actor: opts.by, action: 'records.imported', place: 'hub', detail: { rows: rows.length, sha256 } }, opts.at);
  });
  return { rows: rows.length, sha256 };
}
