// The phone booking form as the dispatcher fills it, and the booking it sends: plain data and pure
// functions, so the screen stays a screen. What the rules say about the date is checkBooking's, the
// same function the hub applies.
import type { ELIGIBILITY_REASONS, FreeSlot, WantedService } from '../../../protocol/bookings';
import type { Department } from '../../../protocol/consultation-api';
import type { CertificateKind, JuminhyoScope } from '../../../protocol/domain';
import { checkBooking, type AvailabilityDay } from '../../../protocol/visit-calendar';
import type { SlotId, VisitRules } from '../../../protocol/visit-rules';
import type { PhoneBooking } from './api';

export type EligibilityReason = (typeof ELIGIBILITY_REASONS)[number];
export type Answer = 'yes' | 'no' | 'unknown' | '';

export interface CertificateWish {
  kind: CertificateKind;
  copies: string;
  scope: JuminhyoScope;
  includeHonseki: boolean;
  includeZokugara: boolean;
}

export interface BookingForm {
  /** Made once per form, so sending it again after a lost answer books once. */
  externalId: string;
  district: string;
  date: string;
  slot: SlotId | '';
  name: string;
  kana: string;
  birthDate: string;
  address: string;
  phone: string;
  reasons: EligibilityReason[];
  reasonNote: string;
  coverage: Answer;
  parking: Answer;
  certificates: CertificateWish[];
  insuranceLink: boolean;
  smartphoneHelp: boolean;
  consultation: Department | '';
  notes: string;
}

export const newCertificateWish = (): CertificateWish => ({ kind: 'juminhyo', copies: '1', scope: 'household', includeHonseki: false, includeZokugara: false });

export function emptyBookingForm(externalId: string, preset: { district?: string; date?: string; slot?: SlotId } = {}): BookingForm {
  return {
    externalId, district: preset.district ?? '', date: preset.date ?? '', slot: preset.slot ?? '',
    name: '', kana: '', birthDate: '', address: '', phone: '',
    reasons: [], reasonNote: '', coverage: '', parking: '',
    certificates: [], insuranceLink: false, smartphoneHelp: false, consultation: '', notes: '',
  };
}

export function wantedServices(form: BookingForm): WantedService[] {
  const services: WantedService[] = form.certificates.map((c) => ({
    type: 'certificate',
    kind: c.kind,
    copies: Number(c.copies),
    ...(c.kind === 'juminhyo'
      ? { juminhyo: { scope: c.scope, includeHonseki: c.includeHonseki, includeZokugara: c.includeZokugara, showMyNumber: false } }
      : {}),
  }));
  if (form.insuranceLink) services.push({ type: 'insurance_link' });
  if (form.smartphoneHelp) services.push({ type: 'smartphone_help' });
  if (form.consultation) services.push({ type: 'consultation', department: form.consultation });
  return services;
}

/**
 * The booking as the hub takes it. Unanswered choices are left out rather than guessed, so the hub
 * names them as missing beside their fields.
 */
export function toPhoneBooking(form: BookingForm): PhoneBooking {
  const optional = (s: string) => (s.trim() === '' ? undefined : s);
  return {
    externalId: form.externalId,
    district: form.district,
    date: form.date,
    slot: form.slot,
    resident: { name: form.name, kana: form.kana, birthDate: form.birthDate, address: form.address, phone: form.phone },
    eligibility: { reasons: form.reasons, note: form.reasons.includes('other') ? optional(form.reasonNote) : undefined },
    coverage: form.coverage || undefined,
    parking: form.parking || undefined,
    services: wantedServices(form),
    notes: optional(form.notes),
  } as PhoneBooking;
}

/** Where a field problem from the hub is shown: services' problems beside the services, the rest by path. */
export function fieldKey(path: string): string {
  return path.startsWith('services') ? 'services' : path;
}

const problemOfInput: Partial<Record<keyof BookingForm, string>> = {
  name: 'resident.name', kana: 'resident.kana', birthDate: 'resident.birthDate', address: 'resident.address', phone: 'resident.phone',
  reasons: 'eligibility.reasons', reasonNote: 'eligibility.note',
  certificates: 'services', insuranceLink: 'services', smartphoneHelp: 'services', consultation: 'services',
};

/** The problem a change of this input may have fixed, so its message goes as the dispatcher corrects it. */
export function problemKeyOf(input: keyof BookingForm): string {
  return problemOfInput[input] ?? input;
}

export interface RulesVerdict {
  message: string;
  /** Free slots to offer instead: the earliest day's first, else the first free ones. */
  offers: FreeSlot[];
}

/** The free slots of an availability answer, in date and slot order. */
export function freeSlots(days: readonly AvailabilityDay[]): FreeSlot[] {
  return days.flatMap((d) => d.slots.filter((s) => s.status === 'free').map((s) => ({ date: d.date, slot: s.slot, start: s.start })));
}

/**
 * What the rules say about the date and slot being typed, before anything is sent: null when the hub
 * would take it (as far as the browser can tell; the hub decides whether the slot is still free).
 */
export function checkWhileTyping(
  rules: VisitRules,
  now: Date,
  form: Pick<BookingForm, 'district' | 'date' | 'slot'>,
  open: readonly FreeSlot[],
): RulesVerdict | null {
  if (!form.district || !/^\d{4}-\d{2}-\d{2}$/.test(form.date)) return null;
  const check = checkBooking(rules, { district: form.district, date: form.date, now });
  if (!check.ok) {
    const sameDay = check.earliest ? open.filter((f) => f.date === check.earliest) : [];
    return { message: check.message, offers: (sameDay.length > 0 ? sameDay : open).slice(0, 6) };
  }
  if (form.slot && !open.some((f) => f.date === form.date && f.slot === form.slot)) {
    return { message: 'この枠はすでに予約が入っています。空いている枠から選んでください。', offers: open.slice(0, 6) };
  }
  return null;
}

/**
 * A stored phone number (digits only) grouped for reading aloud: いわき's 0246 numbers 0246-22-1234,
 * mobiles 090-1234-5678. Other numbers stay as stored rather than be grouped wrongly (area codes vary in length).
 */
export function formatPhone(digits: string): string {
  if (/^0246\d{6}$/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}`;
  if (/^0[5789]0\d{8}$/.test(digits)) return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
  return digits;
}
