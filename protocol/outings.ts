// The vehicle's outing (運行) as the staff screen sees and drives it, the city's lists it reads (the
// places of 地区定期巡回, the goods sold), and the counting rule that turns the outing's work into
// the people served of its record. Pure: no I/O.
import { z } from 'zod';
import { departments } from './consultation-api';
import { DailyClose, MoneyLine } from './daily-close';
import { PaymentMethod } from './domain';
import { StaffId } from './ids';
import { OutingKind, OutingPlace, RECORD_SERVICES, SERVED_SERVICES, ServedPerson, type RecordService, type ServedService } from './records';

/** fixtures/outing-places.json: the places of 地区定期巡回 the city keeps. */
export const OutingPlacesFile = z.object({
  note: z.string().optional(),
  places: z.array(OutingPlace).min(1, { error: '巡回場所（places）を1つ以上入れてください。' }).max(100),
});
export type OutingPlacesFile = z.infer<typeof OutingPlacesFile>;

/** One item sold on the vehicle (ごみ処理券), its price as data. */
export const GoodsItem = z.object({
  id: z.string().regex(/^[a-z0-9_]{1,32}$/, { error: '品目の番号（id）は半角英小文字・数字・_ の32文字以内です。' }),
  name: z.string().min(1, { error: '品目名（name）を入れてください。' }).max(40, { error: '品目名（name）は40文字以内です。' }),
  unitYen: z.number({ error: '単価（unitYen）を数字で入れてください。' }).int({ error: '単価（unitYen）は整数の円です。' }).min(1).max(100_000),
});
export type GoodsItem = z.infer<typeof GoodsItem>;

/** fixtures/goods.json: what the vehicle sells and at what price. */
export const GoodsTable = z
  .object({
    note: z.string().optional(),
    currency: z.literal('JPY'),
    items: z.array(GoodsItem).max(50),
  })
  .refine((t) => new Set(t.items.map((i) => i.id)).size === t.items.length, { error: '品目の番号（id）が重複しています。', path: ['items'] });
export type GoodsTable = z.infer<typeof GoodsTable>;

/** What staff enter to start an outing; the date is the vehicle's Tokyo date, not typed. */
export const OutingStartInput = z
  .object({
    kind: OutingKind,
    place: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), OutingPlace.nullable()),
    staff: z.array(StaffId).min(1, { error: '乗車する職員を1人以上選んでください。' }).max(8, { error: '乗車する職員は8人までです。' }),
  })
  .superRefine((s, ctx) => {
    if (s.kind === 'patrol' && s.place === null) ctx.addIssue({ code: 'custom', path: ['place'], message: '地区定期巡回は場所を選んでください。' });
    if (new Set(s.staff).size !== s.staff.length) ctx.addIssue({ code: 'custom', path: ['staff'], message: '同じ職員が2回選ばれています。' });
  });
export type OutingStartInput = z.infer<typeof OutingStartInput>;

/** The counts staff keep by hand: フレイル checks, スマホ市役所 help, マイナンバーカード help, 説明者数. */
export const TALLY_KINDS = ['frailty', 'smartphone', 'mynumber_card', 'explained'] as const;
export const TallyKind = z.enum(TALLY_KINDS, { error: '数える項目が正しくありません。' });
export type TallyKind = z.infer<typeof TallyKind>;
export const tallyKindLabel: Record<TallyKind, string> = {
  frailty: 'フレイルチェック', smartphone: 'スマホ市役所', mynumber_card: 'マイナカード支援', explained: '説明者数',
};

export const TallyInput = z.object({ kind: TallyKind, delta: z.union([z.literal(1), z.literal(-1)], { error: '+1 か −1 を選んでください。' }) });
export type TallyInput = z.infer<typeof TallyInput>;

/** A sale of goods: one item, its quantity, and how it was paid. */
export const GoodsSaleInput = z
  .object({
    itemId: z.string().min(1, { error: '品目を選んでください。' }).max(32),
    quantity: z.number({ error: '枚数を入力してください。' }).int({ error: '枚数は整数で入力してください。' }).min(1, { error: '枚数は1枚以上です。' }).max(100, { error: '枚数は100枚までです。' }),
    method: PaymentMethod,
    tenderedYen: z.number().int({ error: 'お預かり金額は整数の円です。' }).min(0, { error: 'お預かり金額は0円以上です。' }).max(10_000_000, { error: 'お預かり金額が大きすぎます。' }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.method === 'cash' && s.tenderedYen === undefined) ctx.addIssue({ code: 'custom', path: ['tenderedYen'], message: '現金のときはお預かり金額を入力してください。' });
  });
export type GoodsSaleInput = z.infer<typeof GoodsSaleInput>;

/** The counts of an outing as the tally screen shows them: people per service and 計. */
export const OutingCounts = z.object({
  services: z.record(z.enum(RECORD_SERVICES), z.number().int().min(0)),
  /** People who applied for a り災証明書 (no column of the table: they count in 計). */
  risai: z.number().int().min(0),
  /** 計: people served, each once. */
  people: z.number().int().min(0),
  explained: z.number().int().min(0),
  /** Garbage tickets sold (枚) and their amount. */
  ticketsSold: z.number().int().min(0),
  salesYen: z.number().int().min(0),
});
export type OutingCounts = z.infer<typeof OutingCounts>;

export const OutingView = z.object({
  id: z.string(),
  date: z.string(),
  kind: OutingKind,
  place: z.string().nullable(),
  staff: z.array(z.object({ id: z.string(), name: z.string() })),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  counts: OutingCounts,
  /** The record waits in the outbox for city hall. */
  recordPending: z.boolean(),
  /** The outing's money lines so far (fees, goods, refunds due): the close screen computes the close from them as it is typed. */
  money: z.array(MoneyLine),
  /** The daily close (日計表), once the outing is closed. */
  close: DailyClose.nullable(),
});
export type OutingView = z.infer<typeof OutingView>;

/** What the outing screens need: the open outing (or the last one ended today) and the city's lists. */
export const OutingDesk = z.object({
  today: z.string(),
  open: OutingView.nullable(),
  lastEnded: OutingView.nullable(),
  places: z.array(z.string()),
  goods: z.array(GoodsItem),
  staff: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type OutingDesk = z.infer<typeof OutingDesk>;

/**
 * One piece of work done during an outing. `personKey` says who, where the terminal can tell (a
 * keyed hash of the folded name and birth date, kept on the vehicle only); null is a person the
 * terminal cannot recognise again, counted on their own.
 */
export interface ServiceEvent {
  personKey: string | null;
  service: ServedService;
  department?: (typeof departments)[number];
}

/**
 * The city's counting rule: a resident counts once in 計 and once in each service they received,
 * however many copies, requests or tickets. Events with the same key are one person; events without
 * a key are a person each. Order is the order of first service.
 */
export function countServed(events: readonly ServiceEvent[]): ServedPerson[] {
  const people: { services: ServedService[]; departments: (typeof departments)[number][] }[] = [];
  const byKey = new Map<string, (typeof people)[number]>();
  for (const e of events) {
    let person = e.personKey === null ? undefined : byKey.get(e.personKey);
    if (!person) {
      person = { services: [], departments: [] };
      people.push(person);
      if (e.personKey !== null) byKey.set(e.personKey, person);
    }
    if (!person.services.includes(e.service)) person.services.push(e.service);
    if (e.department && !person.departments.includes(e.department)) person.departments.push(e.department);
  }
  return people.map((p) => ServedPerson.parse({
    services: SERVED_SERVICES.filter((s) => p.services.includes(s)),
    ...(p.departments.length > 0 ? { departments: p.departments } : {}),
  }));
}

/** People per service of the table, those who applied for a り災証明書, and 計, from the people served. */
export function serviceTotals(people: readonly ServedPerson[]): { services: Record<RecordService, number>; risai: number; people: number } {
  const services = Object.fromEntries(RECORD_SERVICES.map((s) => [s, 0])) as Record<RecordService, number>;
  let risai = 0;
  for (const p of people) for (const s of p.services) {
    if (s === 'risai') risai++;
    else services[s]++;
  }
  return { services, risai, people: people.length };
}
