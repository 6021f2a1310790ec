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
import type { BookingInput, BookingOutcome } from '../../protocol/bookings';
import { addDays, earliestBookableVisitDay, isVisitDay } from '../../protocol/visit-calendar';
import { openTestStore, testStore } from '../support/hub-store';

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

function expectRefused(o: BookingOutcome, code: string) {
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
