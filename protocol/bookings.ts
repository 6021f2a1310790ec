// A home-visit booking (デマンド運行) as the intake API and the dispatcher's console send it, and the
// hub's answers: one schema for both channels, with messages that name the field in Japanese.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { departments } from './consultation-api';
import { CertificateKind } from './domain';
import { foldWidth, JuminhyoOptions, Person } from './request';
import type { BookingRefusalCode } from './visit-calendar';
import { AreaId, CalendarDate, SlotId } from './visit-rules';

export const BOOKING_CHANNELS = ['line', 'phone', 'web'] as const;
export const BookingChannel = z.enum(BOOKING_CHANNELS, { error: '受付経路は line・phone・web のいずれかです。' });
export type BookingChannel = z.infer<typeof BookingChannel>;

/** Why coming to city hall is hard: 高齢者, 運転免許返納, 障がい, 妊娠中・子育て中, その他. */
export const ELIGIBILITY_REASONS = ['elderly', 'license_returned', 'disability', 'pregnancy_childcare', 'other'] as const;
export const EligibilityReason = z.enum(ELIGIBILITY_REASONS, { error: '訪問の理由（高齢者・運転免許返納・障がい・妊娠中・子育て中・その他）を選んでください。' });

const text = (label: string, max: number) =>
  z.preprocess(foldWidth, z.string({ error: `${label}を入力してください。` }).max(max, { error: `${label}は${max}文字以内で入力してください。` }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }));

export const Eligibility = z
  .object({
    reasons: z.array(EligibilityReason).min(1, { error: '訪問の理由を1つ以上選んでください。' }),
    note: text('その他の理由', 200).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.reasons.includes('other') && !e.note) ctx.addIssue({ code: 'custom', path: ['note'], message: '「その他」の理由を入力してください。' });
  });
export type Eligibility = z.infer<typeof Eligibility>;

/** Asked and recorded, not a condition: yes, no, or the resident does not know. */
export const YesNoUnknown = z.enum(['yes', 'no', 'unknown'], { error: 'はい・いいえ・わからない のいずれかを選んでください。' });

export const BookingResident = Person.extend({
  phone: z.preprocess(
    (s) => (typeof s === 'string' ? s.normalize('NFKC').replace(/[-\s()]/g, '') : s),
    z.string({ error: '電話番号を入力してください。' }).regex(/^0\d{9,10}$/, { error: '電話番号は 0246-22-1111 のように市外局番から入力してください。' }),
  ),
});
export type BookingResident = z.infer<typeof BookingResident>;

/** What the resident wants done at home. */
export const WantedService = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('certificate'),
      kind: CertificateKind,
      copies: z.number({ error: '通数を入力してください。' }).int({ error: '通数は整数で入力してください。' }).min(1, { error: '通数は1通以上にしてください。' })
        .max(10, { error: '通数は10通までです。' }),
      juminhyo: JuminhyoOptions.optional(),
    }),
    z.object({ type: z.literal('insurance_link') }), // マイナ保険証の紐付け
    z.object({ type: z.literal('smartphone_help') }), // スマホ市役所の使い方
    z.object({ type: z.literal('consultation'), department: z.enum(departments, { error: '相談先を選んでください。' }) }),
  ],
  { error: '希望する手続きを選んでください。' },
);
export type WantedService = z.infer<typeof WantedService>;

export const BookingInput = z.object({
  externalId: z.string({ error: '受付番号を入力してください。' }).regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: '受付番号は英数字64文字以内です。' }),
  channel: BookingChannel,
  district: z.string({ error: '地区を選んでください。' }).min(1, { error: '地区を選んでください。' }),
  /** The area the caller books in (the console's calendar); a district of the other area is refused. */
  area: AreaId.optional(),
  date: CalendarDate,
  slot: SlotId,
  resident: BookingResident,
  eligibility: Eligibility,
  coverage: YesNoUnknown,
  parking: YesNoUnknown,
  services: z.array(WantedService).min(1, { error: '希望する手続きを1つ以上選んでください。' }).max(10, { error: '希望する手続きは10件までです。' }),
  notes: text('備考', 500).optional(),
});
export type BookingInput = z.infer<typeof BookingInput>;

export const BOOKING_STATUSES = ['booked', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export interface Booking {
  id: string;
  externalId: string;
  channel: BookingChannel;
  area: AreaId;
  district: string;
  date: string;
  slot: SlotId;
  resident: BookingResident;
  eligibility: Eligibility;
  coverage: z.infer<typeof YesNoUnknown>;
  parking: z.infer<typeof YesNoUnknown>;
  services: WantedService[];
  notes: string | null;
  status: BookingStatus;
  createdAt: string;
  updatedAt: string;
}

/** A free slot offered instead. */
export interface FreeSlot {
  date: string;
  slot: SlotId;
  start: string;
}

export type BookingOutcome =
  | { status: 'created' | 'existing'; booking: Booking }
  | { status: 'refused'; code: BookingRefusalCode; message: string; earliest: string | null }
  | { status: 'refused'; code: 'SLOT_TAKEN'; message: string; nextFree: FreeSlot[] };

/** A dispatcher's reason for cancelling (kept with the booking, never logged). */
export const CancelReason = z.preprocess(
  foldWidth,
  z.string({ error: '取消の理由を入力してください。' }).min(1, { error: '取消の理由を入力してください。' }).max(200, { error: '取消の理由は200文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
);

/** A dispatcher moving a booking to another date and slot of its area, and why. */
export const BookingChangeInput = z.object({ date: CalendarDate, slot: SlotId, reason: CancelReason });
export type BookingChangeInput = z.infer<typeof BookingChangeInput>;

export type BookingChangeOutcome = { status: 'changed'; booking: Booking; from: { date: string; slot: SlotId } } | Extract<BookingOutcome, { status: 'refused' }>;

/**
 * What the hub tells a resident about a visit: the confirmation, the reminder before the visit, a
 * change or a cancellation; and a vehicle's follow-up (work the vehicle could not finish at the door).
 */
export const NOTICE_KINDS = ['confirmation', 'reminder', 'changed', 'cancelled', 'follow_up'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export const noticeKindLabel: Record<NoticeKind, string> = {
  confirmation: '予約の確認', reminder: '前日のお知らせ', changed: '予約の変更', cancelled: '予約の取消', follow_up: '車両からの引き継ぎ',
};

/** A notice for a LINE or web booking, as the relay pulls it: no name, no phone, only what to say. */
export interface RelayNotice {
  seq: number;
  id: string;
  kind: NoticeKind;
  bookingId: string | null;
  channel: BookingChannel;
  externalId: string;
  message: string;
  createdAt: string;
}

/** An item of the dispatcher's call-back list (bookings taken by phone, vehicles' follow-ups). */
export interface CallbackItem {
  id: string;
  kind: NoticeKind;
  bookingId: string | null;
  name: string;
  phone: string;
  message: string;
  createdAt: string;
}

/** The relay acknowledging the notices it has passed on; by id, so a notice it never saw stays open. */
export const NoticeAck = z.object({
  ids: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'お知らせの番号が正しくありません。' })).min(1).max(500, { error: '一度に確認できるお知らせは500件までです。' }),
});
export const CallbackContact = z.object({ name: z.string().min(1).max(100), phone: z.string().min(1).max(20) });
export type CallbackContact = z.infer<typeof CallbackContact>;
