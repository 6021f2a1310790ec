// The phone booking form's pure half: the booking it sends, the rule check while typing (the same
// checkBooking the hub applies), and phone numbers grouped for reading aloud.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVisitRules } from '../../common/visit-rules-file';
import { BookingInput } from '../../protocol/bookings';
import type { FreeSlot } from '../../protocol/bookings';
import {
  checkWhileTyping, emptyBookingForm, fieldKey, formatPhone, newCertificateWish, problemKeyOf, toPhoneBooking, type BookingForm,
} from '../../renderer/console/dispatch/booking-form-model';
import { projectRoot } from '../support/fixtures';

const rules = loadVisitRules(join(projectRoot, 'fixtures', 'visit-rules.json'));
// Wednesday 2026-11-25 10:00 in Tokyo.
const now = new Date('2026-11-25T01:00:00.000Z');
const open: FreeSlot[] = [
  { date: '2026-11-30', slot: 'am', start: '10:00' },
  { date: '2026-11-30', slot: 'pm2', start: '14:30' },
  { date: '2026-12-04', slot: 'am', start: '10:00' },
];

const filled = (): BookingForm => ({
  ...emptyBookingForm('phone-0f8a7c1e-1111-4222-8333-944445555666', { district: '平', date: '2026-11-30', slot: 'am' }),
  name: '平 花子', kana: 'たいら はなこ', birthDate: '1942-03-15', address: '福島県いわき市平字架空町2-3', phone: '0246-22-1234',
  reasons: ['elderly'], coverage: 'yes', parking: 'unknown',
  certificates: [{ ...newCertificateWish(), copies: '2', includeHonseki: true }], insuranceLink: true, consultation: 'pension',
});

describe('phone booking form', () => {
  it('sends what the hub schema takes, as a phone booking', () => {
    const parsed = BookingInput.safeParse({ ...toPhoneBooking(filled()), channel: 'phone' });
    expect(parsed.success).toBe(true);
    expect(parsed.data!.services).toEqual([
      { type: 'certificate', kind: 'juminhyo', copies: 2, juminhyo: { scope: 'household', includeHonseki: true, includeZokugara: false, showMyNumber: false } },
      { type: 'insurance_link' },
      { type: 'consultation', department: 'pension' },
    ]);
  });

  it('leaves unanswered choices out, so the hub names each beside its field', () => {
    const form = { ...filled(), coverage: '' as const, parking: '' as const, reasons: [] };
    const parsed = BookingInput.safeParse({ ...toPhoneBooking(form), channel: 'phone' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['coverage', 'parking', 'eligibility.reasons']));
  });

  it('sends the その他 note only with その他', () => {
    expect(toPhoneBooking({ ...filled(), reasonNote: '足が悪い' }).eligibility.note).toBeUndefined();
    expect(toPhoneBooking({ ...filled(), reasons: ['other'], reasonNote: '足が悪い' }).eligibility.note).toBe('足が悪い');
  });

  it("says a date past its deadline is closed and offers the earliest day's free slots", () => {
    const verdict = checkWhileTyping(rules, now, { district: '平', date: '2026-11-27', slot: 'am' }, open);
    expect(verdict!.message).toBe('この日の予約は 11月24日(火) 16:00 で締め切りました。いちばん早く伺えるのは 11月30日(月) です。');
    expect(verdict!.offers.map((f) => `${f.date}/${f.slot}`)).toEqual(['2026-11-30/am', '2026-11-30/pm2']);
  });

  it('says a held slot is taken, and nothing while the date is still being typed or open', () => {
    expect(checkWhileTyping(rules, now, { district: '平', date: '2026-11-30', slot: 'pm1' }, open)!.message).toContain('すでに予約が入っています');
    expect(checkWhileTyping(rules, now, { district: '平', date: '2026-11-3', slot: 'am' }, open)).toBeNull();
    expect(checkWhileTyping(rules, now, { district: '', date: '2026-11-27', slot: 'am' }, open)).toBeNull();
    expect(checkWhileTyping(rules, now, { district: '平', date: '2026-11-30', slot: 'am' }, open)).toBeNull();
  });

  it("clears a hub problem from the input that fixes it, and shows a service's problem beside the services", () => {
    expect(fieldKey('services.0.copies')).toBe('services');
    expect(fieldKey('resident.phone')).toBe('resident.phone');
    expect(problemKeyOf('phone')).toBe('resident.phone');
    expect(problemKeyOf('reasons')).toBe('eligibility.reasons');
    expect(problemKeyOf('reasonNote')).toBe('eligibility.note');
    expect(problemKeyOf('certificates')).toBe('services');
    expect(problemKeyOf('coverage')).toBe('coverage');
  });

  it('groups いわき numbers and mobiles for reading aloud, and leaves other numbers as stored', () => {
    expect(formatPhone('0246221234')).toBe('0246-22-1234');
    expect(formatPhone('09012345678')).toBe('090-1234-5678');
    expect(formatPhone('0312345678')).toBe('0312345678');
  });
});
