// The calendar date of the visit rules and the booking API: refused with a Japanese message, whatever
// text arrives — never an exception from the date parsing behind it.
import { describe, expect, it } from 'vitest';
import { CalendarDate } from '../../protocol/visit-rules';

describe('CalendarDate', () => {
  it('accepts real dates and refuses impossible ones and text that is no date at all', () => {
    expect(CalendarDate.safeParse('2026-12-07').success).toBe(true);
    expect(CalendarDate.safeParse('2028-02-29').success).toBe(true);
    for (const text of ['2026-02-30', '2026-13-01', '', 'ref', '12/07/2026', '2026-12-7', '２０２６-１２-０７', '2026-12-07T00:00']) {
      const r = CalendarDate.safeParse(text);
      expect(r.success, text).toBe(false);
      expect(r.error!.issues[0]!.message).toMatch(/日付/);
    }
  });
});
