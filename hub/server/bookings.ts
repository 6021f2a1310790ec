// Home-visit bookings (デマンド運行): availability of an area's slots, taking a booking from any channel,
// and cancelling one. The city's rules are protocol/visit-calendar.ts; whether a slot is still free is
// the store's partial unique index, so two processes (or two channels) can never book one slot twice.
import { z } from 'zod';
import {
  type Booking, BookingChangeInput, type BookingChangeOutcome, BookingInput, type BookingOutcome, BookingResident, CallbackContact, type CallbackItem,
  CancelReason, Eligibility, type FreeSlot, type NoticeKind, NoticeAck, type RelayNotice, WantedService,
} from '../../protocol/bookings';
import { addDays, availability, checkBooking, formatJapaneseDate, slotKey, tokyoDate, type AvailabilityDay } from '../../protocol/visit-calendar';
import { AreaId, CalendarDate, type SlotId, type VisitRules } from '../../protocol/visit-rules';
import type { Clock } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { BookingRow, HubStore, HubTx } from '../store/types';
import { noticeForBooking, reminderDates } from './booking-notices';
import { parse } from './parse';

/** The longest range one availability call covers (the intake API's documented bound). */
export const MAX_AVAILABILITY_DAYS = 62;
/** How many free slots a SLOT_TAKEN answer offers instead. */
const NEXT_FREE_COUNT = 3;

export interface BookingServiceOptions {
  store: HubStore;
  rules: VisitRules;
  clock: Clock;
  newId: IdGenerator;
  log: Logger;
}

const AvailabilityQuery = z.object({ area: AreaId, from: CalendarDate, to: CalendarDate });
const NoticeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'お知らせの番号が正しくありません。' });
/** How many open notices one pull or one list answers at most. */
export const NOTICE_PAGE = 200;

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** An area and a range of at most 62 days, as the availability and the calendar's bookings take them. */
function calendarRange(area: unknown, from: unknown, to: unknown): z.infer<typeof AvailabilityQuery> {
  const q = parse(AvailabilityQuery, { area, from, to });
  const span = daysBetween(q.from, q.to) + 1;
  if (span < 1) throw badRequest('INVALID_RANGE', '期間の終わりは始まりと同じ日か、それより後の日にしてください。');
  if (span > MAX_AVAILABILITY_DAYS) throw badRequest('RANGE_TOO_LONG', `一度に見られるのは${MAX_AVAILABILITY_DAYS}日分までです。期間を短くしてください。`);
  return q;
}

/** A stored row back to the booking; its JSON columns are parsed like any other input (also for the vehicle's visits). */
export function toBooking(row: BookingRow): Booking {
  return {
    id: row.id,
    externalId: row.externalId,
    channel: row.channel as Booking['channel'],
    area: AreaId.parse(row.area),
    district: row.district,
    date: row.visitDate,
    slot: row.slot as SlotId,
    resident: BookingResident.parse(JSON.parse(row.resident)),
    eligibility: Eligibility.parse(JSON.parse(row.eligibility)),
    coverage: row.coverage as Booking['coverage'],
    parking: row.parking as Booking['parking'],
    services: z.array(WantedService).parse(JSON.parse(row.services)),
    notes: row.notes,
    status: row.status as Booking['status'],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export class BookingService {
  constructor(private readonly options: BookingServiceOptions) {}

  /** Every date from `from` to `to` (at most 62 days) with its slots free, booked or closed. */
  async availability(area: unknown, from: unknown, to: unknown): Promise<{ area: AreaId; days: AvailabilityDay[] }> {
    const q = calendarRange(area, from, to);
    return this.options.store.transaction((tx) => this.availabilityIn(tx, q.area, q.from, q.to, this.options.clock.now()));
  }

  private async availabilityIn(tx: HubTx, area: AreaId, from: string, to: string, now: Date) {
    const booked = await tx.listBookedSlots(area, from, to);
    return availability(this.options.rules, { area, from, to, now, booked: new Set(booked.map((b) => slotKey(b.visitDate, b.slot as SlotId))) });
  }

  /**
   * Takes a booking. The same externalId from the same channel again answers the booking already taken
   * (status 'existing'), whatever the rules say by now; a date the rules refuse answers their code and
   * the earliest possible day; a slot someone else holds answers SLOT_TAKEN with the next free slots.
   */
  async book(input: unknown, by = 'system'): Promise<BookingOutcome> {
    const b = parse(BookingInput, input);
    const { store, rules, clock, newId, log } = this.options;
    const outcome = await store.transaction(async (tx): Promise<BookingOutcome> => {
      const known = await tx.getBookingByExternalId(b.channel, b.externalId);
      if (known) return { status: 'existing', booking: toBooking(known) };
      const now = clock.now();
      const check = checkBooking(rules, { district: b.district, date: b.date, now, ...(b.area ? { area: b.area } : {}) });
      if (!check.ok) return { status: 'refused', code: check.code, message: check.message, earliest: check.earliest };

      const id = newId();
      const at = now.toISOString();
      const inserted = await tx.insertBooking({
        id, externalId: b.externalId, channel: b.channel, area: check.area, district: b.district, visitDate: b.date, slot: b.slot,
        resident: JSON.stringify(b.resident), eligibility: JSON.stringify(b.eligibility), coverage: b.coverage, parking: b.parking,
        services: JSON.stringify(b.services), notes: b.notes ?? null, createdAt: at, createdBy: by,
      });
      if (!inserted) {
        // Either the same booking arrived twice at once (its first copy won), or the slot is someone else's.
        const twin = await tx.getBookingByExternalId(b.channel, b.externalId);
        if (twin) return { status: 'existing', booking: toBooking(twin) };
        const holders = await tx.listBookedSlots(check.area, b.date, b.date);
        // Neither twin nor holder: the collision was on the generated id, which must never be answered as a taken slot.
        if (!holders.some((h) => h.slot === b.slot)) throw new Error(`booking ${id} collided with no booking nor slot`);
        return this.slotTaken(tx, check.area, b.date, b.slot, now);
      }
      await tx.appendAudit(
        { actor: by, action: 'booking.created', place: 'hub', detail: { bookingId: id, channel: b.channel, area: check.area, date: b.date, slot: b.slot } },
        at,
      );
      const booking = toBooking((await tx.getBooking(id))!);
      await noticeForBooking(tx, { rules, newId, booking, kind: 'confirmation', at, event: 'created' });
      return { status: 'created', booking };
    });
    if (outcome.status === 'refused') log.info({ channel: b.channel, code: outcome.code }, 'booking refused');
    else log.info({ bookingId: outcome.booking.id, channel: b.channel, status: outcome.status }, 'booking taken');
    return outcome;
  }

  private async slotTaken(tx: HubTx, area: AreaId, date: string, slot: SlotId, now: Date): Promise<Extract<BookingOutcome, { code: 'SLOT_TAKEN' }>> {
    const nextFree = await this.nextFree(tx, area, date, now);
    const offer = nextFree.length === 0
      ? '現在、ほかに空いている枠はありません。お電話でご相談ください。'
      : `空いている枠: ${nextFree.map((f) => `${formatJapaneseDate(f.date)} ${f.start}`).join('、')}`;
    return { status: 'refused', code: 'SLOT_TAKEN', message: `${formatJapaneseDate(date)} ${this.options.rules.slots[slot].start} の枠はすでに予約が入っています。${offer}`, nextFree };
  }

  /** The first free slots from `date` on (that day's later slots included), within one availability range. */
  private async nextFree(tx: HubTx, area: AreaId, date: string, now: Date): Promise<FreeSlot[]> {
    const from = date > tokyoDate(now) ? date : addDays(tokyoDate(now), 1);
    const { days } = await this.availabilityIn(tx, area, from, addDays(from, MAX_AVAILABILITY_DAYS - 1), now);
    return days
      .flatMap((d) => d.slots.filter((s) => s.status === 'free').map((s) => ({ date: d.date, slot: s.slot, start: s.start })))
      .slice(0, NEXT_FREE_COUNT);
  }

  async get(id: string): Promise<Booking> {
    const row = await this.options.store.transaction((tx) => tx.getBooking(id));
    if (!row) throw notFound('指定の予約が見つかりません。予約一覧を更新してから選び直してください。');
    return toBooking(row);
  }

  /** A booking by the id its channel gave it (the intake API's look-up). */
  async getByExternalId(channel: Booking['channel'], externalId: string): Promise<Booking> {
    const row = await this.options.store.transaction((tx) => tx.getBookingByExternalId(channel, externalId));
    if (!row) throw notFound('この受付番号の予約は見つかりません。受付番号と受付経路を確かめてください。');
    return toBooking(row);
  }

  /** Cancels a booking with the dispatcher's reason; its slot is free again at once. */
  async cancel(id: string, reason: unknown, by: string): Promise<Booking> {
    const why = parse(CancelReason, reason);
    const { store, clock, log } = this.options;
    const booking = await store.transaction(async (tx) => {
      const row = await tx.getBooking(id);
      if (!row) throw notFound('指定の予約が見つかりません。予約一覧を更新してから選び直してください。');
      const at = clock.now().toISOString();
      if (!(await tx.cancelBooking(id, why, by, at))) throw conflict('ALREADY_CANCELLED', 'この予約はすでに取り消されています。予約一覧を更新してください。');
      await tx.appendAudit({ actor: by, action: 'booking.cancelled', place: 'hub', detail: { bookingId: id, area: row.area, date: row.visitDate, slot: row.slot } }, at);
      const cancelled = toBooking((await tx.getBooking(id))!);
      await noticeForBooking(tx, { rules: this.options.rules, newId: this.options.newId, booking: cancelled, kind: 'cancelled', at, event: 'cancelled' });
      return cancelled;
    });
    log.info({ bookingId: id }, 'booking cancelled');
    return booking;
  }

  /** The booked bookings of an area from `from` to `to` (at most 62 days), by date and slot: the calendar's cells. */
  async listBooked(area: unknown, from: unknown, to: unknown): Promise<Booking[]> {
    const q = calendarRange(area, from, to);
    const rows = await this.options.store.transaction((tx) => tx.listBookings({ area: q.area, from: q.from, to: q.to }));
    return rows.map(toBooking);
  }

  /**
   * Moves a booking to another date and slot of its area (the dispatcher's 変更), with a reason. The
   * same rules as a new booking apply to the new date; a slot someone holds answers SLOT_TAKEN with the
   * next free slots, and the booking stays where it was.
   */
  async change(id: string, input: unknown, by: string): Promise<BookingChangeOutcome> {
    const c = parse(BookingChangeInput, input);
    const { store, rules, clock, newId, log } = this.options;
    const outcome = await store.transaction(async (tx): Promise<BookingChangeOutcome> => {
      const row = await tx.getBooking(id);
      if (!row) throw notFound('指定の予約が見つかりません。予約一覧を更新してから選び直してください。');
      if (row.status !== 'booked') throw conflict('ALREADY_CANCELLED', 'この予約は取り消されているため変更できません。予約一覧を更新してください。');
      const from = { date: row.visitDate, slot: row.slot as SlotId };
      if (from.date === c.date && from.slot === c.slot) throw badRequest('SAME_SLOT', '変更先が今の予約と同じ日時です。別の枠を選んでください。', [{ path: 'slot', message: '今の予約と同じ枠です。' }]);
      const now = clock.now();
      const area = AreaId.parse(row.area);
      const check = checkBooking(rules, { district: row.district, date: c.date, now, area });
      if (!check.ok) return { status: 'refused', code: check.code, message: check.message, earliest: check.earliest };
      const at = now.toISOString();
      if (!(await tx.moveBooking(id, { visitDate: c.date, slot: c.slot }, by, at))) return this.slotTaken(tx, area, c.date, c.slot, now);
      await tx.appendAudit(
        { actor: by, action: 'booking.changed', place: 'hub', detail: { bookingId: id, area, fromDate: from.date, fromSlot: from.slot, date: c.date, slot: c.slot } },
        at,
      );
      const booking = toBooking((await tx.getBooking(id))!);
      await noticeForBooking(tx, { rules, newId, booking, kind: 'changed', at, event: `${c.date}/${c.slot}@${at}`, from });
      return { status: 'changed', booking, from };
    });
    if (outcome.status === 'refused') log.info({ bookingId: id, code: outcome.code }, 'booking change refused');
    else log.info({ bookingId: id }, 'booking changed');
    return outcome;
  }

  /** The open notices for the relay (LINE and web bookings), oldest first; `after` pages through them by seq. */
  async relayNotices(limit = NOTICE_PAGE, after = 0): Promise<RelayNotice[]> {
    const rows = await this.options.store.transaction((tx) => tx.listOpenNotices('relay', Math.min(Math.max(limit, 1), NOTICE_PAGE), after));
    return rows.map((r) => ({
      seq: r.seq, id: r.id, kind: r.kind as NoticeKind, bookingId: r.bookingId, channel: r.channel as RelayNotice['channel'], externalId: r.externalId ?? '',
      message: r.message, createdAt: r.createdAt,
    }));
  }

  /** The relay has passed these notices on: they are not served again. Answers how many were open. */
  async ackRelayNotices(input: unknown, by: string): Promise<{ acknowledged: number }> {
    const { ids } = parse(NoticeAck, input);
    const at = this.options.clock.now().toISOString();
    const done = await this.options.store.transaction(async (tx) => {
      const handled = await tx.handleNotices('relay', ids, by, at);
      if (handled.length > 0) await tx.appendAudit({ actor: by, action: 'notices.relayed', place: 'hub', detail: { count: handled.length } }, at);
      return handled;
    });
    return { acknowledged: done.length };
  }

  /** The dispatcher's call-back list: changes, cancellations and reminders of phone bookings, vehicles' follow-ups. */
  async callbacks(): Promise<CallbackItem[]> {
    const rows = await this.options.store.transaction((tx) => tx.listOpenNotices('callback', NOTICE_PAGE));
    return rows.map((r) => {
      const contact = CallbackContact.parse(JSON.parse(r.contact ?? '{}'));
      return { id: r.id, kind: r.kind as NoticeKind, bookingId: r.bookingId, name: contact.name, phone: contact.phone, message: r.message, createdAt: r.createdAt };
    });
  }

  /** A dispatcher has made the call. */
  async callbackDone(id: unknown, by: string): Promise<{ done: true }> {
    const noticeId = parse(NoticeId, id);
    const at = this.options.clock.now().toISOString();
    await this.options.store.transaction(async (tx) => {
      const handled = await tx.handleNotices('callback', [noticeId], by, at);
      if (handled.length === 0) throw conflict('CALLBACK_ALREADY_DONE', 'この連絡はすでに済んでいるか、見つかりません。一覧を更新してください。');
      await tx.appendAudit({ actor: by, action: 'callback.done', place: 'hub', detail: { noticeId } }, at);
    });
    return { done: true };
  }

  /**
   * Writes the reminders due now (see reminderDates): one per booked visit, however many hub processes
   * run this. Answers how many were new.
   */
  async queueReminders(): Promise<number> {
    const { store, rules, clock, newId } = this.options;
    const now = clock.now();
    const { from, to } = reminderDates(rules, now);
    const at = now.toISOString();
    const written = await store.transaction(async (tx) => {
      let n = 0;
      for (const row of await tx.listBookings({ from, to })) {
        if (await noticeForBooking(tx, { rules, newId, booking: toBooking(row), kind: 'reminder', at, event: `${row.visitDate}/${row.slot}` })) n++;
      }
      return n;
    });
    if (written > 0) this.options.log.info({ count: written }, 'visit reminders queued');
    return written;
  }

  /** Runs queueReminders now and every `ms`; the returned function stops it. */
  remindEvery(ms: number): () => void {
    const run = () => void this.queueReminders().catch((e: unknown) => this.options.log.warn({ err: (e as Error).message }, 'visit reminders failed'));
    run();
    const timer = setInterval(run, ms);
    timer.unref();
    return () => clearInterval(timer);
  }
}
