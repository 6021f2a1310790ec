// The rules of the on-demand home visits (デマンド運行) as data: which districts each area covers and on
// which weekdays, the slots, when booking closes, the city's closing days and how far ahead one may
// book. The file lives in fixtures/visit-rules.json; this schema is the one reading of it, so the hub
// (which enforces bookings) and the dispatcher's console (which shows them) cannot disagree.
import { z } from 'zod';

/** The city's 13 districts (地区); an address's district decides its area. */
export const DISTRICTS = ['平', '小名浜', '勿来', '常磐', '内郷', '四倉', '遠野', '小川', '好間', '三和', '田人', '川前', '久之浜・大久'] as const;
export type District = (typeof DISTRICTS)[number];

export const AREA_IDS = ['north', 'south'] as const;
export const AreaId = z.enum(AREA_IDS, { error: '地域は north (北部) か south (南部) です。' });
export type AreaId = z.infer<typeof AreaId>;

/** The service runs on Mon/Wed/Fri only; each area visits on a subset of them. */
export const VISIT_WEEKDAYS = ['mon', 'wed', 'fri'] as const;
export const VisitWeekday = z.enum(VISIT_WEEKDAYS, { error: '訪問曜日は mon・wed・fri のいずれかです。' });
export type VisitWeekday = z.infer<typeof VisitWeekday>;

export const SLOT_IDS = ['am', 'pm1', 'pm2'] as const;
export const SlotId = z.enum(SLOT_IDS, { error: '時間帯は am・pm1・pm2 のいずれかです。' });
export type SlotId = z.infer<typeof SlotId>;

/** A Tokyo calendar date. Checked for existence too, so 2026-02-30 is refused. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '日付は YYYY-MM-DD の形で書いてください。' })
  // zod runs a refinement even when the regex has failed: a text that is no date at all must be an
  // answer here, not a RangeError from toISOString.
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, { error: 'その日付は存在しません。' });

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: '時刻は HH:MM (24時間制) で書いてください。' });
const MonthDay = z
  .string()
  .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { error: '毎年の休業日は MM-DD の形で書いてください。' });

const District = z.enum(DISTRICTS, { error: (issue) => `「${String(issue.input)}」はいわき市の地区ではありません。` });

const Area = z.object({
  label: z.string().min(1, { error: '地域の名前 (北部・南部) を書いてください。' }),
  districts: z.array(District).min(1, { error: '地域には地区が1つ以上必要です。' }),
  weekdays: z.array(VisitWeekday).min(1, { error: '訪問曜日が1つ以上必要です。' }),
});

const Slot = z.object({
  start: ClockTime,
  durationMinutes: z.number().int().positive({ error: '時間帯の長さ (分) は正の整数です。' }),
});

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const VisitRules = z
  .object({
    areas: z.object({ north: Area, south: Area }),
    slots: z.object({ am: Slot, pm1: Slot, pm2: Slot }),
    // GTFS-Flex booking_rules vocabulary (booking_type=2, prior days): the last day to book is
    // prior_notice_last_day 平日 before the visit, until prior_notice_last_time.
    bookingRule: z.object({
      prior_notice_last_day: z.number().int().min(1, { error: '締切は訪問日の1平日以上前です。' }).max(30),
      prior_notice_last_time: ClockTime,
    }),
    // City closing days (市の休日, 年末年始) are calendar data the city sets, not national holidays.
    closingDays: z.object({
      everyYear: z.array(MonthDay),
      dates: z.array(z.object({ date: CalendarDate, reason: z.string().min(1, { error: '臨時休業の理由を書いてください。' }) })),
    }),
    horizonDays: z.number().int().min(1, { error: '予約できる期間 (日数) は1以上です。' }).max(366, { error: '予約できる期間は366日までです。' }),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, AreaId>();
    for (const area of AREA_IDS) {
      rules.areas[area].districts.forEach((district, i) => {
        const other = seen.get(district);
        if (other !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['areas', area, 'districts', i], message: `「${district}」は ${other} と ${area} の両方に入っています。地区はどちらか一方の地域に入れてください。` });
        } else seen.set(district, area);
      });
      rules.areas[area].weekdays.forEach((day, i) => {
        if (rules.areas[area].weekdays.indexOf(day) !== i) ctx.addIssue({ code: 'custom', path: ['areas', area, 'weekdays', i], message: `訪問曜日「${day}」が重複しています。` });
      });
    }
    for (const district of DISTRICTS) {
      if (!seen.has(district)) ctx.addIssue({ code: 'custom', path: ['areas'], message: `「${district}」がどの地域にも入っていません。` });
    }
    // Slots follow each other in the order am, pm1, pm2 without overlapping (one vehicle, one visit at a time).
    for (let i = 1; i < SLOT_IDS.length; i++) {
      const prevId = SLOT_IDS[i - 1]!;
      const id = SLOT_IDS[i]!;
      const prev = rules.slots[prevId];
      if (minutesOf(prev.start) + prev.durationMinutes > minutesOf(rules.slots[id].start)) {
        ctx.addIssue({ code: 'custom', path: ['slots', id, 'start'], message: `時間帯 ${id} (${rules.slots[id].start}) が ${prevId} (${prev.start}〜${prev.durationMinutes}分) と重なっています。` });
      }
    }
    const last = rules.slots.pm2;
    if (minutesOf(last.start) + last.durationMinutes > 24 * 60) ctx.addIssue({ code: 'custom', path: ['slots', 'pm2', 'durationMinutes'], message: '時間帯が日付をまたいでいます。' });
  });
export type VisitRules = z.infer<typeof VisitRules>;
