// The notices a booking's life produces, written in the transaction that changes the booking: a LINE
// or web booking's go to the relay, a phone booking's to the dispatcher's call-back list. The words are
// the ones the resident hears or reads; they hold dates and times, never a name.
import type { Booking, CallbackContact, NoticeKind } from '../../protocol/bookings';
import { addDays, formatJapaneseDate, isBusinessDay, tokyoDate } from '../../protocol/visit-calendar';
import type { SlotId, VisitRules } from '../../protocol/visit-rules';
import type { IdGenerator } from '../../common/ids';
import type { HubTx, NoticeRow } from '../store/types';

/** Reminders go out from this Tokyo time on the business day before a visit (and on days after it). */
export const REMINDER_FROM = '09:00';

function slotTime(rules: VisitRules, slot: SlotId): string {
  const { start, durationMinutes } = rules.slots[slot];
  const end = Number(start.slice(0, 2)) * 60 + Number(start.slice(3, 5)) + durationMinutes;
  return `${start}〜${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
}

const when = (rules: VisitRules, date: string, slot: SlotId) => `${formatJapaneseDate(date)} ${slotTime(rules, slot)}`;

export function noticeMessage(rules: VisitRules, kind: Exclude<NoticeKind, 'follow_up'>, booking: Pick<Booking, 'date' | 'slot'>, from?: { date: string; slot: SlotId }): string {
  const at = when(rules, booking.date, booking.slot);
  switch (kind) {
    case 'confirmation':
      return `お出かけ市役所のご予約を承りました。${at} にご自宅へ伺います。`;
    case 'reminder':
      return `お出かけ市役所が ${at} にご自宅へ伺います。ご本人確認のため、マイナンバーカードか運転免許証をご用意ください。`;
    case 'changed':
      return `お出かけ市役所のご予約を ${from ? when(rules, from.date, from.slot) : ''} から ${at} に変更しました。`;
    case 'cancelled':
      return `お出かけ市役所の ${at} のご予約を取り消しました。またのご利用をお待ちしています。`;
  }
}

/**
 * Writes the notice of one event of a booking: to the relay for LINE and web bookings, to the call-back
 * list for phone bookings, except a phone booking's confirmation (the dispatcher is on the line). The
 * dedupe key makes an event written twice (a reminder from two processes) one notice.
 */
export async function noticeForBooking(
  tx: HubTx,
  args: { rules: VisitRules; newId: IdGenerator; booking: Booking; kind: Exclude<NoticeKind, 'follow_up'>; at: string; event: string; from?: { date: string; slot: SlotId } },
): Promise<boolean> {
  const { booking: b, kind } = args;
  const relay = b.channel !== 'phone';
  if (!relay && kind === 'confirmation') return false;
  const contact: CallbackContact = { name: b.resident.name, phone: b.resident.phone };
  const row: Omit<NoticeRow, 'seq' | 'handledAt' | 'handledBy'> = {
    id: args.newId(),
    dedupeKey: `${kind}:${b.id}:${args.event}`,
    bookingId: b.id,
    audience: relay ? 'relay' : 'callback',
    kind,
    channel: b.channel,
    externalId: relay ? b.externalId : null,
    message: noticeMessage(args.rules, kind, b, args.from),
    contact: relay ? null : JSON.stringify(contact),
    createdAt: args.at,
  };
  return tx.insertNotice(row);
}

/** A vehicle's follow-up for the call-back list (e.g. a health-insurance link that needed the network). */
export function followUpNotice(args: { id: string; sourceId: string; bookingId?: string | null; contact: CallbackContact; message: string; at: string }): Omit<NoticeRow, 'seq' | 'handledAt' | 'handledBy'> {
  return {
    id: args.id, dedupeKey: `follow_up:${args.sourceId}`, bookingId: args.bookingId ?? null, audience: 'callback', kind: 'follow_up', channel: null,
    externalId: null, message: args.message, contact: JSON.stringify(args.contact), createdAt: args.at,
  };
}

/**
 * The visit dates whose reminders are due at `now`: from REMINDER_FROM on a Tokyo day, every date after
 * it up to the next business day, so Friday reminds Monday's visits and a hub that was down on the day
 * before still reminds on the weekend. Before REMINDER_FROM, the dates due since the day before.
 */
export function reminderDates(rules: VisitRules, now: Date): { from: string; to: string } {
  const today = tokyoDate(now);
  const hhmm = new Date(now.getTime() + 9 * 3600_000).toISOString().slice(11, 16);
  const base = hhmm >= REMINDER_FROM ? today : addDays(today, -1);
  let next = addDays(base, 1);
  while (!isBusinessDay(rules, next)) next = addDays(next, 1);
  return { from: addDays(base, 1), to: next };
}
