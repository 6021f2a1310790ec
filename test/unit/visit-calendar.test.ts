// The calendar and deadline rules of the home visits, table by table. Holidays are checked against a
// table written by hand from the Cabinet Office lists, not against the library the rules call.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadVisitRules } from '../../common/visit-rules-file';
import {
  addDays,
  areaOfDistrict,
  availability,
  bookingDeadline,
  checkBooking,
  earliestBookableVisitDay,
  formatJapaneseDate,
  isBusinessDay,
  isVisitDay,
  nationalHolidayName,
  slotKey,
  tokyoDate,
} from '../../protocol/visit-calendar';
import type { VisitRules } from '../../protocol/visit-rules';
import { DISTRICTS } from '../../protocol/visit-rules';

const rules = loadVisitRules(join(import.meta.dirname, '..', '..', 'fixtures', 'visit-rules.json'));
const withoutClosingDays: VisitRules = { ...rules, closingDays: { everyYear: [], dates: [] } };
const withExtraClosure: VisitRules = { ...rules, closingDays: { ...rules.closingDays, dates: [{ date: '2026-12-03', reason: '庁舎の電気設備点検' }] } };

// 国民の祝日 2025–2026 as published by the Cabinet Office (内閣府), incl. 振替休日 and 国民の休日.
const HOLIDAYS_2025_2026 = [
  '2025-01-01', '2025-01-13', '2025-02-11', '2025-02-23', '2025-02-24', '2025-03-20', '2025-04-29', '2025-05-03',
  '2025-05-04', '2025-05-05', '2025-05-06', '2025-07-21', '2025-08-11', '2025-09-15', '2025-09-23', '2025-10-13',
  '2025-11-03', '2025-11-23', '2025-11-24',
  '2026-01-01', '2026-01-12', '2026-02-11', '2026-02-23', '2026-03-20', '2026-04-29', '2026-05-03', '2026-05-04',
  '2026-05-05', '2026-05-06', '2026-07-20', '2026-08-11', '2026-09-21', '2026-09-22', '2026-09-23', '2026-10-12',
  '2026-11-03', '2026-11-23',
];

describe('national holidays by Tokyo date', () => {
  it('finds exactly the published holidays of 2025 and 2026, day by day', () => {
    const found: string[] = [];
    for (let d = '2025-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) if (nationalHolidayName(d) !== undefined) found.push(d);
    expect(found).toEqual(HOLIDAYS_2025_2026);
  });

  it('reads the Tokyo date of an instant, not the UTC one', () => {
    // Midnight in Tokyo is still the previous day in UTC: the holiday_jp Date API trap.
    expect(tokyoDate(new Date('2025-11-25T00:00:00+09:00'))).toBe('2025-11-25');
    expect(tokyoDate(new Date('2026-11-27T14:59:59Z'))).toBe('2026-11-27');
    expect(tokyoDate(new Date('2026-11-27T15:00:00Z'))).toBe('2026-11-28');
  });
});

describe('isBusinessDay (平日)', () => {
  it.each([
    ['2025-11-24', false, '振替休日 (勤労感謝の日 on a Sunday)'],
    ['2025-11-25', true, 'the Tuesday after it'],
    ['2026-09-21', false, '敬老の日'],
    ['2026-09-22', false, '国民の休日 between two holidays'],
    ['2026-09-24', true, 'the Thursday after シルバーウィーク'],
    ['2026-05-06', false, '振替休日 (憲法記念日 on a Sunday)'],
    ['2026-11-27', true, 'a plain Friday'],
    ['2026-11-28', false, 'a Saturday'],
    ['2026-11-29', false, 'a Sunday'],
    ['2026-12-28', true, 'the Monday before 年末年始'],
    ['2026-12-29', false, 'first closing day of 年末年始'],
    ['2026-12-31', false, '年末年始'],
    ['2027-01-03', false, 'last closing day of 年末年始 (a Sunday anyway)'],
    ['2026-01-02', false, '年末年始 on a Friday'],
    ['2027-01-04', true, 'the first 平日 of 2027'],
  ])('%s is %s: %s', (date, expected) => {
    expect(isBusinessDay(rules, date)).toBe(expected);
  });

  it('counts 1/2 as 平日 when the city sets no closing days, and an extra closure as none', () => {
    expect(isBusinessDay(withoutClosingDays, '2026-01-02')).toBe(true);
    expect(isBusinessDay(withExtraClosure, '2026-12-03')).toBe(false);
  });
});

describe('areas and visit days', () => {
  it('puts every district in exactly one area', () => {
    for (const district of DISTRICTS) expect(areaOfDistrict(rules, district)).toMatch(/^(north|south)$/);
    expect(areaOfDistrict(rules, '平')).toBe('north');
    expect(areaOfDistrict(rules, '小名浜')).toBe('south');
    expect(areaOfDistrict(rules, '湯本')).toBeUndefined();
  });

  it.each([
    ['north', '2026-11-30', true, 'a Monday'],
    ['north', '2026-12-02', false, 'a Wednesday is a south day'],
    ['south', '2026-12-02', true, 'a Wednesday'],
    ['north', '2025-11-24', false, 'a Monday that is 振替休日'],
    ['south', '2026-09-23', false, 'a Wednesday that is 秋分の日'],
    ['south', '2026-12-30', false, 'a Wednesday in 年末年始'],
    ['north', '2027-01-01', false, '元日 on a Friday'],
    ['north', '2026-12-05', false, 'a Saturday'],
  ] as const)('%s %s is %s: %s', (area, date, expected, _why) => {
    expect(isVisitDay(rules, area, date)).toBe(expected);
  });
});

describe('bookingDeadline: 16:00 on the 3rd 平日 before', () => {
  it.each([
    ['2026-12-02', '2026-11-27', 'a plain week: Wed closes the Friday before'],
    ['2026-12-07', '2026-12-02', 'Mon closes the Wednesday before'],
    ['2026-01-07', '2025-12-26', '年末年始 12/29–1/3 skipped'],
    ['2027-01-06', '2026-12-28', '年末年始 skipped, Monday 12/28 still 平日'],
    ['2025-11-26', '2025-11-20', '振替休日 11/24 skipped'],
    ['2026-09-25', '2026-09-17', '敬老の日, 国民の休日 and 秋分の日 skipped'],
    ['2026-05-08', '2026-04-30', 'Golden Week with its 振替休日 skipped'],
  ])('a visit on %s closes on %s (%s)', (visit, closes) => {
    const deadline = bookingDeadline(rules, visit);
    expect(deadline.date).toBe(closes);
    expect(deadline.iso).toBe(`${closes}T16:00:00+09:00`);
    expect(deadline.instant.toISOString()).toBe(`${closes}T07:00:00.000Z`);
  });

  it('closes a 2026-01-07 visit on 2026-01-02 if the city had no closing days', () => {
    expect(bookingDeadline(withoutClosingDays, '2026-01-07').iso).toBe('2026-01-02T16:00:00+09:00');
  });

  it('skips an extra closure the city adds', () => {
    expect(bookingDeadline(withExtraClosure, '2026-12-07').iso).toBe('2026-12-01T16:00:00+09:00');
  });
});

describe('checkBooking: every refusal says why and what is possible instead', () => {
  it('takes a booking at 15:59:59 Tokyo (06:59:59Z) and refuses it at 16:00:00 (07:00:00Z)', () => {
    const before = checkBooking(rules, { district: '小名浜', date: '2026-12-02', now: new Date('2026-11-27T06:59:59Z') });
    expect(before).toMatchObject({ ok: true, area: 'south' });
    const at = checkBooking(rules, { district: '小名浜', date: '2026-12-02', now: new Date('2026-11-27T07:00:00Z') });
    expect(at).toEqual({
      ok: false,
      code: 'DEADLINE_PASSED',
      message: 'この日の予約は 11月27日(金) 16:00 で締め切りました。いちばん早く伺えるのは 12月9日(水) です。',
      earliest: '2026-12-09',
    });
  });

  const now = new Date('2026-11-25T03:00:00Z'); // Wed 2026-11-25 12:00 in Tokyo
  it.each([
    [
      { district: '小名浜', date: '2026-12-07' },
      'NOT_A_VISIT_DAY',
      '12月7日(月) は南部（小名浜）の訪問日ではありません。南部の訪問日は水曜日です。いちばん早く伺えるのは 12月2日(水) です。',
    ],
    [
      { district: '平', date: '2026-12-30' },
      'CITY_CLOSED',
      '12月30日(水) は市役所の休業日（年末年始）のため伺えません。いちばん早く伺えるのは 11月30日(月) です。',
    ],
    [
      { district: '小名浜', date: '2027-01-27' },
      'BEYOND_HORIZON',
      '1月27日(水) はまだ予約を受け付けていません。予約できるのは 1月24日(日) までの訪問日です。いちばん早く伺えるのは 12月2日(水) です。',
    ],
    [
      { district: '小名浜', date: '2026-11-25' },
      'DEADLINE_PASSED',
      'この日の予約は 11月19日(木) 16:00 で締め切りました。いちばん早く伺えるのは 12月2日(水) です。',
    ],
    [
      { district: '小名浜', date: '2026-12-02', area: 'north' as const },
      'OUT_OF_AREA',
      '小名浜は南部の地区です（北部ではありません）。南部の訪問日は水曜日です。いちばん早く伺えるのは 12月2日(水) です。',
    ],
  ])('%o → %s', (request, code, message) => {
    const result = checkBooking(rules, { ...request, now });
    expect(result).toMatchObject({ ok: false, code, message });
  });

  it('refuses a visit day that is a national holiday, naming the holiday', () => {
    const result = checkBooking(rules, { district: '平', date: '2025-11-24', now: new Date('2025-11-10T00:00:00Z') });
    expect(result).toEqual({
      ok: false,
      code: 'NOT_A_VISIT_DAY',
      message: '11月24日(月) は祝日（勤労感謝の日 振替休日）のため伺えません。いちばん早く伺えるのは 11月14日(金) です。',
      earliest: '2025-11-14',
    });
  });

  it('refuses an extra closure as CITY_CLOSED with its reason', () => {
    const result = checkBooking(withExtraClosure, { district: '小名浜', date: '2026-12-03', now });
    expect(result).toMatchObject({ ok: false, code: 'CITY_CLOSED', message: expect.stringContaining('12月3日(木) は市役所の休業日（庁舎の電気設備点検）のため伺えません。') });
  });

  it('refuses a district outside the 13 and lists the ones it serves', () => {
    const result = checkBooking(rules, { district: '湯本', date: '2026-12-02', now });
    expect(result).toMatchObject({ ok: false, code: 'OUT_OF_AREA', earliest: null });
    if (result.ok) throw new Error('unreachable');
    expect(result.message).toBe(`「湯本」はお出かけ市役所の訪問地区ではありません。訪問できるのは ${DISTRICTS.join('・')} です。`);
  });

  it('says so when no visit day is open at all', () => {
    const result = checkBooking({ ...rules, horizonDays: 2 }, { district: '平', date: '2026-12-02', now });
    expect(result).toMatchObject({ ok: false, earliest: null, message: expect.stringContaining('現在、予約を受け付けている訪問日はありません。') });
  });
});

describe('horizon and the earliest bookable day', () => {
  const now = new Date('2026-11-25T03:00:00Z');
  it('books the last visit day inside the horizon (60 days from 11/25 is 1/24)', () => {
    expect(checkBooking(rules, { district: '小名浜', date: '2027-01-20', now })).toMatchObject({ ok: true });
    expect(checkBooking(rules, { district: '平', date: '2027-01-22', now })).toMatchObject({ ok: true });
    expect(checkBooking(rules, { district: '平', date: '2027-01-25', now })).toMatchObject({ ok: false, code: 'BEYOND_HORIZON' });
  });

  it('counts the horizon from the Tokyo date, which at 00:30 Tokyo is a day ahead of UTC', () => {
    const justAfterMidnight = new Date('2026-11-25T15:30:00Z'); // Thu 2026-11-26 00:30 in Tokyo
    expect(checkBooking(rules, { district: '平', date: '2027-01-25', now: justAfterMidnight })).toMatchObject({ ok: true });
    expect(checkBooking(rules, { district: '平', date: '2027-01-25', now: new Date('2026-11-25T14:59:59Z') })).toMatchObject({ ok: false, code: 'BEYOND_HORIZON' });
  });

  it.each([
    ['south', '2026-11-25T03:00:00Z', '2026-12-02', 'the next Wednesday while its booking is open'],
    ['south', '2026-11-27T07:00:00Z', '2026-12-09', 'a week later once 16:00 Friday has passed'],
    ['north', '2026-11-25T06:59:59Z', '2026-11-30', 'Monday, closing 15:59:59 Tokyo that day'],
    ['north', '2026-11-25T07:00:00Z', '2026-12-04', 'Friday once Monday has closed'],
    ['south', '2026-12-22T07:00:00Z', '2027-01-06', 'past 年末年始 (12/30 closed; 1/6 closes on 12/28)'],
  ] as const)('%s at %s → %s (%s)', (area, at, expected, _why) => {
    expect(earliestBookableVisitDay(rules, area, new Date(at))).toBe(expected);
  });
});

describe('availability for an area and a date range', () => {
  it('lists every date, free/booked/closed slots and the deadline even once passed', () => {
    const now = new Date('2026-11-25T07:00:00Z'); // 16:00 Tokyo: Mon 11/30 has just closed
    const { area, days } = availability(rules, {
      area: 'north',
      from: '2026-11-29',
      to: '2026-12-04',
      now,
      booked: new Set([slotKey('2026-12-04', 'pm1'), slotKey('2026-11-30', 'am')]),
    });
    expect(area).toBe('north');
    expect(days.map((d) => d.date)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(days.map((d) => d.visitDay)).toEqual([false, true, false, false, false, true]);
    expect(days[0]).toEqual({ date: '2026-11-29', visitDay: false, deadline: null, slots: [] });
    expect(days[1]!.deadline).toBe('2026-11-25T16:00:00+09:00');
    expect(days[1]!.slots).toEqual([
      { slot: 'am', start: '10:00', status: 'booked' },
      { slot: 'pm1', start: '13:00', status: 'closed' },
      { slot: 'pm2', start: '14:30', status: 'closed' },
    ]);
    expect(days[5]!.deadline).toBe('2026-12-01T16:00:00+09:00');
    expect(days[5]!.slots.map((s) => s.status)).toEqual(['free', 'booked', 'free']);
  });

  it('closes slots beyond the horizon and shows a holiday as no visit day', () => {
    const now = new Date('2026-11-25T03:00:00Z');
    const { days } = availability(rules, { area: 'north', from: '2027-01-22', to: '2027-01-25', now, booked: new Set() });
    expect(days[0]!.slots.map((s) => s.status)).toEqual(['free', 'free', 'free']);
    expect(days[3]!.slots.map((s) => s.status)).toEqual(['closed', 'closed', 'closed']);
    const autumn = availability(rules, { area: 'south', from: '2026-09-23', to: '2026-09-23', now: new Date('2026-09-01T00:00:00Z'), booked: new Set() });
    expect(autumn.days[0]).toMatchObject({ visitDay: false, deadline: null });
  });

  it('agrees with checkBooking on every date of two months', () => {
    const now = new Date('2026-11-25T03:00:00Z');
    for (const area of ['north', 'south'] as const) {
      const { days } = availability(rules, { area, from: '2026-11-20', to: '2027-01-31', now, booked: new Set() });
      const district = area === 'north' ? '平' : '小名浜';
      for (const day of days) {
        const bookable = checkBooking(rules, { district, date: day.date, now }).ok;
        expect(bookable, day.date).toBe(day.slots.some((s) => s.status === 'free'));
      }
    }
  });
});

describe('formatJapaneseDate', () => {
  it.each([
    ['2025-12-26', '12月26日(金)'],
    ['2026-01-07', '1月7日(水)'],
    ['2026-09-22', '9月22日(火)'],
  ])('%s → %s', (date, shown) => {
    expect(formatJapaneseDate(date)).toBe(shown);
  });
});
