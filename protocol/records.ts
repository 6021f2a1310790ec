// The vehicle's runs and the city's records (実績): what an outing is, which services it counts, the
// record a vehicle sends once an outing ends, and the report the hub makes of them — the rows and
// columns of the city's own published table (002 section IV). Shared by the terminal, the hub, the
// console and the command line, so every side counts the same way.
import { z } from 'zod';
import { departments } from './consultation-api';
import { DailyClose } from './daily-close';
import { EntityId, StaffId } from './ids';
import { CalendarDate } from './visit-rules';

/** 地区定期巡回, 予約訪問, り災証明書出張申請受付, 移動期日前投票所, その他. */
export const OUTING_KINDS = ['patrol', 'on_demand', 'disaster', 'early_voting', 'other'] as const;
export const OutingKind = z.enum(OUTING_KINDS, { error: '運行の種類（地区定期巡回・予約訪問・り災証明書出張申請受付・移動期日前投票所・その他）を選んでください。' });
export type OutingKind = z.infer<typeof OutingKind>;
export const outingKindLabel: Record<OutingKind, string> = {
  patrol: '地区定期巡回', on_demand: '予約訪問', disaster: 'り災証明書出張申請受付', early_voting: '移動期日前投票所', other: 'その他',
};
/** The short names of the summary line (「巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回」). */
export const outingKindShortLabel: Record<OutingKind, string> = { patrol: '巡回', on_demand: '予約訪問', disaster: 'り災', early_voting: '期日前投票', other: 'その他' };

/**
 * The services the city counts, in the column order of its table. 証明書, マイナンバーカード (insurance
 * linking and card help) and 相談 are counted from the work the terminal does; フレイル and スマホ市役所
 * are tallied by staff; ごみ納付券 are counted from the tickets sold.
 */
export const RECORD_SERVICES = ['certificate', 'mynumber_card', 'garbage_ticket', 'consultation', 'frailty', 'smartphone'] as const;
export const RecordService = z.enum(RECORD_SERVICES, { error: 'サービスの種類が正しくありません。' });
export type RecordService = z.infer<typeof RecordService>;
export const recordServiceLabel: Record<RecordService, string> = {
  certificate: '証明書', mynumber_card: 'マイナンバーカード', garbage_ticket: 'ごみ納付券', consultation: '相談', frailty: 'フレイル', smartphone: 'スマホ市役所',
};

/**
 * What the terminal counts a person for: the table's services, and a り災証明書 application taken in
 * the vehicle. The city's table has no column for the application (its り災 row prints 「-」 under every
 * service): it counts the person in 計, and the report says how many of them applied.
 */
export const SERVED_SERVICES = [...RECORD_SERVICES, 'risai'] as const;
export const ServedService = z.enum(SERVED_SERVICES, { error: 'サービスの種類が正しくありません。' });
export type ServedService = z.infer<typeof ServedService>;

/** A place name of an outing (the city keeps the list: 川前, 久之浜・大久, 田人, 中央台…). */
export const OutingPlace = z.string().trim().min(1, { error: '場所を入力してください。' }).max(40, { error: '場所は40文字以内で入力してください。' });

/**
 * One person served during an outing, with no personal data: the services they received (each once,
 * however many copies or tickets) and, for consultations, the departments. A resident served several
 * services counts once in 計 and once in each service.
 */
export const ServedPerson = z.object({
  services: z.array(ServedService).min(1).max(SERVED_SERVICES.length).refine((s) => new Set(s).size === s.length, { error: '同じサービスが重複しています。' }),
  departments: z.array(z.enum(departments)).max(departments.length).optional(),
});
export type ServedPerson = z.infer<typeof ServedPerson>;

/** Goods sold during an outing (ごみ処理券): priced items, prices as data. */
export const OutingSale = z.object({
  item: z.string().min(1).max(40),
  unitYen: z.number().int().min(0).max(100_000),
  quantity: z.number().int().min(1).max(1000),
});
export type OutingSale = z.infer<typeof OutingSale>;

/** The record a vehicle sends once, when an outing ends (through its outbox, idempotent by its key). */
export const OutingRecordMessage = z.object({
  type: z.literal('outing.record'),
  idempotencyKey: EntityId,
  outingId: EntityId,
  /** The outing's Tokyo date. */
  date: CalendarDate,
  kind: OutingKind,
  /** 地区定期巡回's place (required for it); any kind may name one. */
  place: OutingPlace.nullable(),
  staff: z.array(StaffId).min(1).max(8),
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }),
  people: z.array(ServedPerson).max(5000),
  /** 説明者数: people given explanations, visitors to the vehicle. */
  explained: z.number().int().min(0).max(100_000),
  sales: z.array(OutingSale).max(500),
  /**
   * The outing's daily close (日計表): it rides the record, so it reaches city hall once with it. Always
   * sent; null only for an outing ended before the terminal closed its money (a record still waiting in
   * an outbox when the terminal was updated).
   */
  close: DailyClose.nullable(),
}).superRefine((m, ctx) => {
  if (m.close && m.close.outingId !== m.outingId) ctx.addIssue({ code: 'custom', path: ['close', 'outingId'], message: '日計表の運行が記録の運行と違います。' });
  if (m.kind === 'patrol' && m.place === null) ctx.addIssue({ code: 'custom', path: ['place'], message: '地区定期巡回は場所を選んでください。' });
  if (m.endedAt < m.startedAt) ctx.addIssue({ code: 'custom', path: ['endedAt'], message: '運行の終了が開始より前です。' });
});
export type OutingRecordMessage = z.infer<typeof OutingRecordMessage>;

/** A row of the city's table: one place of 地区定期巡回, or one kind of outing. null is the printed 「-」 (not offered). */
export interface RecordsRow {
  kind: OutingKind;
  place: string | null;
  outings: number;
  services: Record<RecordService, number | null>;
  /** 計: people served, each once however many services. */
  people: number | null;
  /** 説明者数. */
  explained: number | null;
}

export interface RecordsReport {
  /** The months covered, 'YYYY-MM' inclusive; a fiscal year runs April to March. */
  from: string;
  to: string;
  fiscalYear: number | null;
  /** 地区定期巡回 by place, then 予約訪問, り災, 移動期日前投票所, その他 (a kind with no outing is left out). */
  rows: RecordsRow[];
  /** 地区定期巡回's 計 row. */
  patrolTotal: RecordsRow | null;
  /** Every row together. */
  total: RecordsRow;
  summary: {
    operations: number;
    byKind: Record<OutingKind, number>;
    patrolPlaces: number;
    served: number;
    /** Of the people served, those who applied for a り災証明書 in the vehicle. */
    risaiApplicants: number;
    explained: number;
  };
  /**
   * り災証明書 applications received at city hall and taken in the period, by disaster and district
   * (地区), in the disasters' order of name then district: what the tax department's counts give the records.
   */
  risai: { disaster: string; area: string; applications: number }[];
  /** Month by month, for the charts: people per service and outings per place. */
  monthly: { month: string; services: Record<RecordService, number>; people: number; outingsByPlace: Record<string, number> }[];
}

/** How many り災証明書 applications the report counts, every disaster and district together. */
export function risaiTotal(report: RecordsReport): number {
  return report.risai.reduce((n, r) => n + r.applications, 0);
}

/** The り災証明書 applications as rows for the files: a heading, the column names, a row per disaster and district, the total. */
export function risaiLines(report: RecordsReport): string[][] {
  if (report.risai.length === 0) return [];
  return [['り災証明書の申請（災害・地区別）'], ['災害', '地区', '件数'], ...report.risai.map((r) => [r.disaster, r.area, String(r.applications)]), ['計', '', String(risaiTotal(report))]];
}

/** 「■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)」 and the lines after it, as the city prints them. */
export function summaryLines(report: RecordsReport): string[] {
  const s = report.summary;
  const parts = OUTING_KINDS.filter((k) => s.byKind[k] > 0).map((k) =>
    k === 'patrol' ? `${outingKindShortLabel[k]}${s.patrolPlaces}地区：${s.byKind[k]}回` : `${outingKindShortLabel[k]}：${s.byKind[k]}回`,
  );
  return [
    `■ 運用回数：${s.operations}回${parts.length > 0 ? `(${parts.join('、')})` : ''}`,
    `■ サービス提供者数：${s.served}人`,
    ...(s.risaiApplicants > 0 ? [`■ り災証明書の申請者数：${s.risaiApplicants}人`] : []),
    `※ 車両見学・事業説明者数：${s.explained}人`,
  ];
}

/** The report's month-by-month charts: people per service, and 運用回数 per place (地区定期巡回) or kind. */
export const RECORDS_CHARTS = ['services', 'places'] as const;
export const RecordsChart = z.enum(RECORDS_CHARTS, { error: 'グラフは services（サービス別）か places（場所別）です。' });
export type RecordsChart = z.infer<typeof RecordsChart>;
export const recordsChartTitle: Record<RecordsChart, string> = { services: '月別 サービス提供者数（サービスごとの延べ人数）', places: '月別 運用回数（地区・種類ごと）' };
