// The calendar and deadline rules of the home visits (デマンド運行), pure so the hub (which accepts
// bookings) and the dispatcher's console (which shows them) apply the very same rule. Dates are Tokyo
// calendar dates ('YYYY-MM-DD'), instants are Date; nothing reads the machine's local time zone, since
// the hub runs in UTC.
import holidayJp from '@holiday-jp/holiday_jp';
import type { AreaId, SlotId, VisitRules, VisitWeekday } from './visit-rules';
import { AREA_IDS, DISTRICTS, SLOT_IDS } from './visit-rules';

// Japan has kept +09:00 without daylight saving since 1951, so a fixed offset is exact here.
const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const WEEKDAY_KANJI = ['日', '月', '火', '水', '木', '金', '土'] as const;
const WEEKDAY_IDS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The Tokyo calendar date of an instant. */
export function tokyoDate(instant: Date): string {
  return new Date(instant.getTime() + TOKYO_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of a Tokyo wall-clock time ('HH:MM') on a Tokyo date. */
export function tokyoInstant(date: string, hhmm: string): Date {
  return new Date(`${date}T${hhmm}:00+09:00`);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function weekdayIndex(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** 「1月7日(水)」: how a date is shown to a resident. */
export function formatJapaneseDate(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日(${WEEKDAY_KANJI[weekdayIndex(date)]})`;
}

/**
 * The national holiday on a Tokyo date (incl. 振替休日 and 国民の休日), or undefined. Looked up by the
 * date string in the library's map: its Date API reads local fields and is off by a day in UTC.
 */
export function nationalHolidayName(date: string): string | undefined {
  const holidays: Readonly<Record<string, { name: string }>> = holidayJp.holidays;
  return Object.hasOwn(holidays, date) ? holidays[date]!.name : undefined;
}

/** The reason the city is closed on a date (年末年始 or an extra closure), or undefined. */
export function cityClosingReason(rules: VisitRules, date: string): string | undefined {
  const extra = rules.closingDays.dates.find((d) => d.date === date);
  if (extra) return extra.reason;
  return rules.closingDays.everyYear.includes(date.slice(5)) ? '年末年始' : undefined;
}

/** 平日: not Saturday or Sunday, not a national holiday, not a city closing day. */
export function isBusinessDay(rules: VisitRules, date: string): boolean {
  const wd = weekdayIndex(date);
  return wd !== 0 && wd !== 6 && nationalHolidayName(date) === undefined && cityClosingReason(rules, date) === undefined;
}

export function isVisitWeekday(rules: VisitRules, area: AreaId, date: string): boolean {
  return (rules.areas[area].weekdays as readonly string[]).includes(WEEKDAY_IDS[weekdayIndex(date)]!);
}

/** A visit weekday of the area that is neither a national holiday nor a city closing day. */
export function isVisitDay(rules: VisitRules, area: AreaId, date: string): boolean {
  return isVisitWeekday(rules, area, date) && nationalHolidayName(date) === undefined && cityClosingReason(rules, date) === undefined;
}

export function areaOfDistrict(rules: VisitRules, district: string): AreaId | undefined {
  return AREA_IDS.find((area) => (rules.areas[area].districts as readonly string[]).includes(district));
}

export interface BookingDeadline {
  /** The Tokyo date booking closes on. */
  date: string;
  instant: Date;
  /** 'YYYY-MM-DDTHH:MM:SS+09:00', the form the intake API answers with. */
  iso: string;
}

/** Booking for a visit on `date` closes at prior_notice_last_time on the prior_notice_last_day-th 平日 before it. */
export function bookingDeadline(rules: VisitRules, date: string): BookingDeadline {
  let day = date;
  let counted = 0;
  while (counted < rules.bookingRule.prior_notice_last_day) {
    day = addDays(day, -1);
    if (isBusinessDay(rules, day)) counted++;
  }
  const time = rules.bookingRule.prior_notice_last_time;
  return { date: day, instant: tokyoInstant(day, time), iso: `${day}T${time}:00+09:00` };
}

/** The last date one may book for, counted from the Tokyo date of `now`. */
export function horizonEnd(rules: VisitRules, now: Date): string {
  return addDays(tokyoDate(now), rules.horizonDays);
}

/** The first visit day of the area still open for booking at `now`, within the horizon; null if none. */
export function earliestBookableVisitDay(rules: VisitRules, area: AreaId, now: Date): string | null {
  const last = horizonEnd(rules, now);
  for (let day = addDays(tokyoDate(now), 1); day <= last; day = addDays(day, 1)) {
    if (isVisitDay(rules, area, day) && now < bookingDeadline(rules, day).instant) return day;
  }
  return null;
}

export type SlotStatus = 'free' | 'booked' | 'closed';

/** Key of a booked slot in the set the store supplies. */
export function slotKey(date: string, slot: SlotId): string {
  return `${date}/${slot}`;
}

export interface AvailabilityDay {
  date: string;
  visitDay: boolean;
  /** The closing instant of a visit day (also once passed), null for a day with no visit. */
  deadline: string | null;
  slots: { slot: SlotId; start: string; status: SlotStatus }[];
}

/**
 * Every date from `from` to `to` with its slots, for one area: the one availability function used both
 * to list free slots and, through checkBooking, to accept a booking. `booked` holds slotKey()s.
 */
export function availability(
  rules: VisitRules,
  options: { area: AreaId; from: string; to: string; now: Date; booked: ReadonlySet<string> },
): { area: AreaId; days: AvailabilityDay[] } {
  const { area, from, to, now, booked } = options;
  const last = horizonEnd(rules, now);
  const days: AvailabilityDay[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) {
    if (!isVisitDay(rules, area, date)) {
      days.push({ date, visitDay: false, deadline: null, slots: [] });
      continue;
    }
    const deadline = bookingDeadline(rules, date);
    const closed = now >= deadline.instant || date > last;
    days.push({
      date,
      visitDay: true,
      deadline: deadline.iso,
      slots: SLOT_IDS.map((slot) => ({
        slot,
        start: rules.slots[slot].start,
        status: booked.has(slotKey(date, slot)) ? 'booked' : closed ? 'closed' : 'free',
      })),
    });
  }
  return { area, days };
}

export type BookingRefusalCode = 'OUT_OF_AREA' | 'NOT_A_VISIT_DAY' | 'CITY_CLOSED' | 'BEYOND_HORIZON' | 'DEADLINE_PASSED';

export type BookingCheck =
  | { ok: true; area: AreaId; deadline: BookingDeadline }
  | { ok: false; code: BookingRefusalCode; message: string; earliest: string | null };

function earliestSentence(earliest: string | null): string {
  return earliest === null
    ? '現在、予約を受け付けている訪問日はありません。お電話でご相談ください。'
    : `いちばん早く伺えるのは ${formatJapaneseDate(earliest)} です。`;
}

function weekdayList(rules: VisitRules, area: AreaId): string {
  const kanji: Record<VisitWeekday, string> = { mon: '月', wed: '水', fri: '金' };
  return rules.areas[area].weekdays.map((d) => kanji[d]).join('・');
}

/**
 * Whether a visit on `date` to a home in `district` may be booked at `now`; a refusal says why and the
 * earliest day that is possible instead. `area`, when given, is the area the caller is booking in
 * (the console's week calendar); a district of the other area is refused rather than moved silently.
 * Whether the slot is still free is the store's decision, not this one.
 */
export function checkBooking(rules: VisitRules, request: { district: string; date: string; now: Date; area?: AreaId }): BookingCheck {
  const { district, date, now } = request;
  const area = areaOfDistrict(rules, district);
  if (area === undefined) {
    return { ok: false, code: 'OUT_OF_AREA', message: `「${district}」はお出かけ市役所の訪問地区ではありません。訪問できるのは ${DISTRICTS.join('・')} です。`, earliest: null };
  }
  const earliest = earliestBookableVisitDay(rules, area, now);
  const refuse = (code: BookingRefusalCode, why: string): BookingCheck => ({ ok: false, code, message: `${why}${earliestSentence(earliest)}`, earliest });
  const label = rules.areas[area].label;
  if (request.area !== undefined && request.area !== area) {
    return refuse('OUT_OF_AREA', `${district}は${label}の地区です（${rules.areas[request.area].label}ではありません）。${label}の訪問日は${weekdayList(rules, area)}曜日です。`);
  }
  const closing = cityClosingReason(rules, date);
  if (closing !== undefined) return refuse('CITY_CLOSED', `${formatJapaneseDate(date)} は市役所の休業日（${closing}）のため伺えません。`);
  const holiday = nationalHolidayName(date);
  if (holiday !== undefined) return refuse('NOT_A_VISIT_DAY', `${formatJapaneseDate(date)} は祝日（${holiday}）のため伺えません。`);
  if (!isVisitWeekday(rules, area, date)) {
    return refuse('NOT_A_VISIT_DAY', `${formatJapaneseDate(date)} は${label}（${district}）の訪問日ではありません。${label}の訪問日は${weekdayList(rules, area)}曜日です。`);
  }
  const deadline = bookingDeadline(rules, date);
  if (now >= deadline.instant) {
    return refuse('DEADLINE_PASSED', `この日の予約は ${formatJapaneseDate(deadline.date)} ${rules.bookingRule.prior_notice_last_time} で締め切りました。`);
  }
  if (date > horizonEnd(rules, now)) {
    return refuse('BEYOND_HORIZON', `${formatJapaneseDate(date)} はまだ予約を受け付けていません。予約できるのは ${formatJapaneseDate(horizonEnd(rules, now))} までの訪問日です。`);
  }
  return { ok: true, area, deadline };
}
