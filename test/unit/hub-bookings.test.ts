// Home-visit bookings on the hub's store (both dialects): the rules' refusals, idempotency per channel,
// cancelling, and one booked row per slot however many attempts arrive at once.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { newId } from '../../common/ids';
import { createLogger, silentLogger } from '../../common/logger';
import { PassThrough } from 'node:stream';
import { loadVisitRules } from '../../common/visit-rules-file';
import { BookingService } from '../../hub/server/bookings';
import { openPostgresHubStore } from '../../hub/store/open';
import type { KyselyHubStore } from '../../hub/store/store';
import type { BookingChangeOutcome, BookingInput, BookingOutcome } from '../../protocol/bookings';
import { addDays, earliestBookableVisitDay, isVisitDay } from '../../protocol/visit-calendar';
import { openTestStore, testStore } from '../support/hub-store';
import { reminderDates } from '../../hub/server/booking-notices';

const rules = loadVisitRules(join(import.meta.dirname, '..', '..', 'fixtures', 'visit-rules.json'));
// Wednesday 2026-11-25, 10:00 in Tokyo.
const NOW = new Date('2026-11-25T01:00:00.000Z');

const resident = { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21', phone: '0246-22-1111' };

function input(overrides: Partial<BookingInput> & { externalId: string }): BookingInput {
  return {
    channel: 'line',
    district: '平',
    date: earliestBookableVisitDay(rules, 'north', NOW)!,
    slot: 'am',
    resident,
    eligibility: { reasons: ['elderly', 'license_returned'] },
    coverage: 'yes',
    parking: 'no',
    services: [{ type: 'certificate', kind: 'inkan', copies: 1 }, { type: 'insurance_link' }],
    ...overrides,
  };
}

/** The first visit day of the area on or after `date`. */
function visitDayFrom(area: 'north' | 'south', date: string): string {
  let d = date;
  while (!isVisitDay(rules, area, d)) d = addDays(d, 1);
  return d;
}

let store: KyselyHubStore;
let close: () => Promise<void>;
let url: string | null;
let clock: ManualClock;
let service: BookingService;

beforeEach(async () => {
  const t = await openTestStore(testStore);
  ({ store, url, close } = t);
  clock = new ManualClock(NOW);
  service = new BookingService({ store, rules, clock, newId, log: silentLogger });
});
afterEach(async () => {
  await close();
});

function expectRefused(o: BookingOutcome | BookingChangeOutcome, code: string) {
  expect(o.status).toBe('refused');
  if (o.status !== 'refused') return;
  expect(o.code).toBe(code);
  expect(o.message).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
}

describe(`home-visit bookings on ${testStore}`, () => {
  it('books a free slot, shows it booked in the availability, and audits ids only', async () => {
    const date = earliestBookableVisitDay(rules, 'north', NOW)!;
    const o = await service.book(input({ externalId: 'L-0001', date, slot: 'pm1' }));
    expect(o.status).toBe('created');
    if (o.status !== 'created') return;
    expect(o.booking).toMatchObject({ externalId: 'L-0001', channel: 'line', area: 'north', district: '平', date, slot: 'pm1', status: 'booked' });
    expect(o.booking.resident.phone).toBe('0246221111');

    const a = await service.availability('north', date, date);
    expect(a.days[0]!.slots.map((s) => s.status)).toEqual(['free', 'booked', 'free']);

    const audit = await store.transaction((tx) => tx.listAudit({ action: 'booking.created' }));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toContain(o.booking.id);
    expect(audit[0]!.detail).not.toMatch(/磐城|いわき|0246|1941|梅本/);
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 1 });
  });

  it('answers the same booking again for the same externalId from the same channel, even once its deadline has passed', async () => {
    const first = await service.book(input({ externalId: 'L-0002' }));
    expect(first.status).toBe('created');
    const again = await service.book(input({ externalId: 'L-0002', slot: 'pm2' }));
    expect(again.status).toBe('existing');
    if (first.status !== 'created' || again.status !== 'existing') return;
    expect(again.booking).toEqual(first.booking);
    clock.advance(30 * 86_400_000);
    expect(await service.book(input({ externalId: 'L-0002' }))).toMatchObject({ status: 'existing', booking: { id: first.booking.id } });
    // The same text from another channel is another booking, judged by the rules of now.
    expectRefused(await service.book(input({ externalId: 'L-0002', channel: 'phone' })), 'DEADLINE_PASSED');
    expect(await store.transaction((tx) => tx.listAudit({ action: 'booking.created' }))).toHaveLength(1);
  });

  it('refuses by the city\'s rules with the code, a Japanese reason and the earliest possible day', async () => {
    const earliest = earliestBookableVisitDay(rules, 'north', NOW);
    const cases: [Partial<BookingInput>, string][] = [
      [{ district: '東京' }, 'OUT_OF_AREA'],
      [{ district: '小名浜', area: 'north' }, 'OUT_OF_AREA'],
      [{ date: '2026-11-27' }, 'DEADLINE_PASSED'], // Friday, two days ahead
      [{ date: '2026-12-08' }, 'NOT_A_VISIT_DAY'], // Tuesday
      [{ date: '2026-12-30', district: '小名浜' }, 'CITY_CLOSED'], // 年末年始, a Wednesday
      [{ date: visitDayFrom('north', addDays('2026-11-25', rules.horizonDays + 1)) }, 'BEYOND_HORIZON'],
    ];
    for (const [i, [overrides, code]] of cases.entries()) {
      const o = await service.book(input({ externalId: `R-${i}`, ...overrides }));
      expectRefused(o, code);
      if (o.status === 'refused' && o.code !== 'SLOT_TAKEN' && code !== 'OUT_OF_AREA') expect(o.earliest).toBe(overrides.district === '小名浜' ? earliestBookableVisitDay(rules, 'south', NOW) : earliest);
    }
    expect(await store.transaction((tx) => tx.listBookedSlots('north', '2026-11-01', '2027-12-31'))).toEqual([]);
    expect(await store.transaction((tx) => tx.listBookedSlots('south', '2026-11-01', '2027-12-31'))).toEqual([]);
  });

  it('refuses an invalid booking with a Japanese message naming the field', async () => {
    await expect(service.book({ ...input({ externalId: 'L-0003' }), slot: 'night' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: '時間帯は am・pm1・pm2 のいずれかです。' });
    await expect(service.book({ ...input({ externalId: 'L-0004' }), eligibility: { reasons: ['other'] } })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: '「その他」の理由を入力してください。' });
  });

  it('answers SLOT_TAKEN with the next free slots, and a cancel frees the slot', async () => {
    const date = earliestBookableVisitDay(rules, 'north', NOW)!;
    const won = await service.book(input({ externalId: 'L-0010', date, slot: 'am' }));
    expect(won.status).toBe('created');
    const lost = await service.book(input({ externalId: 'P-0010', channel: 'phone', date, slot: 'am' }));
    expectRefused(lost, 'SLOT_TAKEN');
    if (lost.status !== 'refused' || lost.code !== 'SLOT_TAKEN') return;
    expect(lost.nextFree).toEqual([
      { date, slot: 'pm1', start: rules.slots.pm1.start },
      { date, slot: 'pm2', start: rules.slots.pm2.start },
      { date: visitDayFrom('north', addDays(date, 1)), slot: 'am', start: rules.slots.am.start },
    ]);
    if (won.status !== 'created') return;
    await expect(service.cancel(won.booking.id, '', 'dispatcher-1')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const cancelled = await service.cancel(won.booking.id, '入院のため', 'dispatcher-1');
    expect(cancelled.status).toBe('cancelled');
    await expect(service.cancel(won.booking.id, '重複', 'dispatcher-1')).rejects.toMatchObject({ code: 'ALREADY_CANCELLED' });
    await expect(service.cancel('no-such-booking', '重複', 'dispatcher-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await service.availability('north', date, date)).days[0]!.slots[0]!.status).toBe('free');
    expect(await service.book(input({ externalId: 'P-0011', channel: 'phone', date, slot: 'am' }))).toMatchObject({ status: 'created' });
    const audit = await store.transaction((tx) => tx.listAudit({}));
    expect(audit.map((a) => a.action)).toEqual(['booking.created', 'booking.cancelled', 'booking.created']);
    expect(audit[1]!.detail).not.toContain('入院');
  });

  it('logs ids and codes only, never the resident', async () => {
    const out = new PassThrough();
    let logged = '';
    out.on('data', (c: Buffer) => (logged += c.toString('utf8')));
    const logging = new BookingService({ store, rules, clock, newId, log: createLogger({ destination: out }) });
    const won = await logging.book(input({ externalId: 'L-0020', notes: '駐車場は隣の空き地' }));
    await logging.book(input({ externalId: 'L-0021' }));
    await logging.book(input({ externalId: 'L-0022', district: '東京' }));
    if (won.status === 'created') await logging.cancel(won.booking.id, '入院のため', 'dispatcher-1');
    await new Promise((r) => setImmediate(r));
    expect(logged).toContain('SLOT_TAKEN');
    expect(logged).toContain('OUT_OF_AREA');
    for (const value of [...Object.values(resident), '0246221111', '駐車場', '入院']) expect(logged).not.toContain(value);
  });

  it('lists every date of at most 62 days', async () => {
    const a = await service.availability('south', '2026-12-01', '2027-01-31');
    expect(a.days).toHaveLength(62);
    expect(a.days.filter((d) => d.visitDay).every((d) => d.slots.length === 3 && d.deadline !== null)).toBe(true);
    await expect(service.availability('south', '2026-12-01', '2027-02-01')).rejects.toMatchObject({ code: 'RANGE_TOO_LONG' });
    await expect(service.availability('south', '2026-12-02', '2026-12-01')).rejects.toMatchObject({ code: 'INVALID_RANGE' });
    // The calendar's bookings take the same range rule.
    await expect(service.listBooked('south', '2026-12-01', '2027-02-01')).rejects.toMatchObject({ code: 'RANGE_TOO_LONG' });
    await expect(service.listBooked('south', '2026-12-02', '2026-12-01')).rejects.toMatchObject({ code: 'INVALID_RANGE' });
    await expect(service.availability('east', '2026-12-01', '2026-12-02')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('books one slot once when 50 attempts arrive at the same moment, and names the next free slots to every other', async () => {
    const date = earliestBookableVisitDay(rules, 'north', NOW)!;
    // On PostgreSQL the attempts are spread over two stores on one database, as two hub processes.
    const second = url ? await openPostgresHubStore(url) : null;
    try {
      const services = [service, ...(second ? [new BookingService({ store: second, rules, clock, newId, log: silentLogger })] : [])];
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => services[i % services.length]!.book(input({ externalId: `C-${i}`, channel: i % 3 === 0 ? 'phone' : 'line', date, slot: 'pm2' }))),
      );
      expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(1);
      const refused = outcomes.filter((o) => o.status === 'refused');
      expect(refused).toHaveLength(49);
      for (const o of refused) {
        expect(o.code).toBe('SLOT_TAKEN');
        if (o.code === 'SLOT_TAKEN') expect(o.nextFree[0]).toEqual({ date, slot: 'am', start: rules.slots.am.start });
      }
      expect(await store.transaction((tx) => tx.listBookedSlots('north', date, date))).toEqual([{ visitDate: date, slot: 'pm2' }]);
      expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 1 });
    } finally {
      await second?.close();
    }
  });
});

describe(`changing bookings and the notices they produce, on ${testStore}`, () => {
  const monday = '2026-11-30';
  const friday = '2026-12-04';

  it('moves a booking to a free slot, frees the old one, audits it, and tells a LINE resident through the relay', async () => {
    const o = await service.book(input({ externalId: 'L-100', date: monday, slot: 'am' }));
    expect(o.status).toBe('created');
    if (o.status !== 'created') return;
    const changed = await service.change(o.booking.id, { date: friday, slot: 'pm1', reason: 'ご本人の通院のため' }, 'disp01');
    expect(changed).toMatchObject({ status: 'changed', from: { date: monday, slot: 'am' }, booking: { date: friday, slot: 'pm1', status: 'booked' } });
    expect(await store.transaction((tx) => tx.listBookedSlots('north', monday, friday))).toEqual([{ visitDate: friday, slot: 'pm1' }]);

    const notices = await service.relayNotices();
    expect(notices.map((n) => n.kind)).toEqual(['confirmation', 'changed']);
    expect(notices[1]).toMatchObject({ channel: 'line', externalId: 'L-100', bookingId: o.booking.id });
    expect(notices[1]!.message).toBe('お出かけ市役所のご予約を 11月30日(月) 10:00〜11:00 から 12月4日(金) 13:00〜14:00 に変更しました。');
    for (const n of notices) expect(n.message).not.toContain(resident.name);
    const audit = await store.transaction((tx) => tx.listAudit({ action: 'booking.changed' }));
    expect(JSON.parse(audit[0]!.detail)).toEqual({ bookingId: o.booking.id, area: 'north', fromDate: monday, fromSlot: 'am', date: friday, slot: 'pm1' });
  });

  it('refuses a change to a taken slot with the next free slots and leaves the booking where it was', async () => {
    const a = await service.book(input({ externalId: 'L-200', date: monday, slot: 'am' }));
    await service.book(input({ externalId: 'L-201', date: monday, slot: 'pm1' }));
    if (a.status !== 'created') throw new Error('not booked');
    const r = await service.change(a.booking.id, { date: monday, slot: 'pm1', reason: '時間の変更' }, 'disp01');
    expectRefused(r, 'SLOT_TAKEN');
    if (r.status === 'refused' && r.code === 'SLOT_TAKEN') expect(r.nextFree[0]).toEqual({ date: monday, slot: 'pm2', start: rules.slots.pm2.start });
    expect((await service.get(a.booking.id)).slot).toBe('am');
    // The refused move undid nothing else: the transaction went on and the chain still verifies.
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 2 });
  });

  it('applies the rules to the new date, and refuses the same slot, a cancelled booking and a missing reason', async () => {
    const a = await service.book(input({ externalId: 'L-300', date: monday, slot: 'am' }));
    if (a.status !== 'created') throw new Error('not booked');
    expectRefused(await service.change(a.booking.id, { date: '2026-11-27', slot: 'am', reason: '前倒し' }, 'disp01'), 'DEADLINE_PASSED');
    expectRefused(await service.change(a.booking.id, { date: '2026-12-02', slot: 'am', reason: '南部の日へ' }, 'disp01'), 'NOT_A_VISIT_DAY');
    await expect(service.change(a.booking.id, { date: monday, slot: 'am', reason: '同じ' }, 'disp01')).rejects.toMatchObject({ code: 'SAME_SLOT' });
    await expect(service.change(a.booking.id, { date: friday, slot: 'am' }, 'disp01')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await service.cancel(a.booking.id, 'ご家族の送迎で来庁', 'disp01');
    await expect(service.change(a.booking.id, { date: friday, slot: 'am', reason: '再開' }, 'disp01')).rejects.toMatchObject({ code: 'ALREADY_CANCELLED' });
  });

  it('puts a phone booking\'s change and cancellation in the call-back list with name and phone, and never confirms it twice', async () => {
    const p = await service.book(input({ externalId: 'phone-1', channel: 'phone', date: monday, slot: 'pm2' }), 'disp01');
    if (p.status !== 'created') throw new Error('not booked');
    expect(await service.callbacks()).toEqual([]);
    await service.change(p.booking.id, { date: friday, slot: 'pm2', reason: '車両の点検' }, 'disp01');
    await service.cancel(p.booking.id, 'ご本人から取消の電話', 'disp01');
    const list = await service.callbacks();
    expect(list.map((c) => c.kind)).toEqual(['changed', 'cancelled']);
    expect(list[0]).toMatchObject({ name: resident.name, phone: '0246221111', bookingId: p.booking.id });
    expect(await service.relayNotices()).toEqual([]);

    await service.callbackDone(list[0]!.id, 'disp01');
    expect((await service.callbacks()).map((c) => c.kind)).toEqual(['cancelled']);
    await expect(service.callbackDone(list[0]!.id, 'disp02')).rejects.toMatchObject({ code: 'CALLBACK_ALREADY_DONE' });
    await expect(service.callbackDone('../x', 'disp01')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('serves relay notices until acknowledged by id, so a notice the relay never saw stays open', async () => {
    await service.book(input({ externalId: 'L-400', date: monday, slot: 'am' }));
    const first = await service.relayNotices();
    await service.book(input({ externalId: 'L-401', date: monday, slot: 'pm1' }));
    expect(await service.ackRelayNotices({ ids: first.map((n) => n.id) }, 'intake:k1')).toEqual({ acknowledged: 1 });
    const open = await service.relayNotices();
    expect(open.map((n) => n.externalId)).toEqual(['L-401']);
    expect(await service.ackRelayNotices({ ids: first.map((n) => n.id) }, 'intake:k1')).toEqual({ acknowledged: 0 });
    await expect(service.ackRelayNotices({ ids: [] }, 'intake:k1')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('writes each reminder once, from 09:00 Tokyo on the business day before the visit', async () => {
    const line = await service.book(input({ externalId: 'L-500', date: monday, slot: 'am' }));
    const phone = await service.book(input({ externalId: 'phone-500', channel: 'phone', date: monday, slot: 'pm1' }));
    if (line.status !== 'created' || phone.status !== 'created') throw new Error('not booked');
    // Friday 2026-11-27 08:59 in Tokyo: Monday's reminders are not due yet.
    clock.advance(Date.parse('2026-11-26T23:59:00.000Z') - NOW.getTime());
    expect(await service.queueReminders()).toBe(0);
    // 09:00: due, once however often (and from however many processes) the job runs.
    clock.advance(60_000);
    expect((await Promise.all([service.queueReminders(), service.queueReminders()])).reduce((a, b) => a + b)).toBe(2);
    expect(await service.queueReminders()).toBe(0);
    const relay = (await service.relayNotices()).filter((n) => n.kind === 'reminder');
    expect(relay.map((n) => n.externalId)).toEqual(['L-500']);
    expect(relay[0]!.message).toContain('11月30日(月) 10:00〜11:00');
    expect((await service.callbacks()).map((c) => [c.kind, c.bookingId])).toEqual([['reminder', phone.booking.id]]);
  });
});

describe('when reminders are due', () => {
  const at = (iso: string) => reminderDates(rules, new Date(iso));
  it.each([
    ['Friday 09:00 reminds Saturday to Monday', '2026-11-27T00:00:00Z', { from: '2026-11-28', to: '2026-11-30' }],
    ['Friday 08:59 still belongs to Thursday', '2026-11-26T23:59:00Z', { from: '2026-11-27', to: '2026-11-27' }],
    ['Thursday 15:00 (06:00 UTC) reminds Friday', '2026-11-26T06:00:00Z', { from: '2026-11-27', to: '2026-11-27' }],
    ['Friday before 勤労感謝の日 (Mon 11/23) reminds up to Tuesday', '2026-11-20T03:00:00Z', { from: '2026-11-21', to: '2026-11-24' }],
    ['12/28 reminds across 年末年始 to 1/4', '2026-12-28T02:00:00Z', { from: '2026-12-29', to: '2027-01-04' }],
  ])('%s', (_name, now, expected) => {
    expect(at(now)).toEqual(expected);
  });
});
