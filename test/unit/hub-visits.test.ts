// The dispatcher's assignments of visit days and a vehicle's pull, on the hub's store (both dialects):
// refusals in Japanese with a code, reassigning, unassigning, and a pull that lists only the vehicle's
// booked visits from today on, audited by id.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { newId } from '../../common/ids';
import { silentLogger } from '../../common/logger';
import { loadVisitRules } from '../../common/visit-rules-file';
import { BookingService } from '../../hub/server/bookings';
import { VisitService } from '../../hub/server/visits';
import type { KyselyHubStore } from '../../hub/store/store';
import type { BookingInput } from '../../protocol/bookings';
import { addDays, earliestBookableVisitDay } from '../../protocol/visit-calendar';
import { openTestStore, testStore } from '../support/hub-store';

const rules = loadVisitRules(join(import.meta.dirname, '..', '..', 'fixtures', 'visit-rules.json'));
// Wednesday 2026-11-25, 10:00 in Tokyo.
const NOW = new Date('2026-11-25T01:00:00.000Z');
const DAY = earliestBookableVisitDay(rules, 'north', NOW)!;
const resident = { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21', phone: '0246-22-1111' };

const input = (externalId: string, slot: BookingInput['slot']): BookingInput => ({
  externalId, channel: 'phone', district: '平', date: DAY, slot, resident, eligibility: { reasons: ['elderly'] }, coverage: 'yes', parking: 'yes',
  services: [{ type: 'smartphone_help' }],
});

let store: KyselyHubStore;
let close: () => Promise<void>;
let clock: ManualClock;
let visits: VisitService;
let bookings: BookingService;

beforeEach(async () => {
  ({ store, close } = await openTestStore(testStore));
  clock = new ManualClock(NOW);
  visits = new VisitService({ store, rules, clock, log: silentLogger });
  bookings = new BookingService({ store, rules, clock, newId, log: silentLogger });
  await store.transaction(async (tx) => {
    for (const id of ['car-1', 'car-2', 'car-old']) await tx.insertVehicle({ id, enrolledAt: 't', enrolledBy: 'admin' });
    await tx.revokeVehicle('car-old', 't', 'admin');
  });
});
afterEach(async () => {
  await close();
});

describe(`visit days and vehicles on ${testStore}`, () => {
  it('refuses a day that is no visit day, a past day, an unknown or revoked vehicle, each with a code and Japanese words', async () => {
    const refused = (p: Promise<unknown>) => p.then(() => expect.fail('accepted'), (e: { code: string; message: string }) => [e.code, /[\u3040-\u30ff\u4e00-\u9fff]/.test(e.message)]);
    expect(await refused(visits.assign({ area: 'north', date: addDays(DAY, 2), vehicleId: 'car-1' }, 'd1'))).toEqual(['NOT_A_VISIT_DAY', true]);
    expect(await refused(visits.assign({ area: 'north', date: '2026-11-20', vehicleId: 'car-1' }, 'd1'))).toEqual(['DAY_PASSED', true]);
    expect(await refused(visits.assign({ area: 'north', date: DAY, vehicleId: 'car-9' }, 'd1'))).toEqual(['NOT_FOUND', true]);
    expect(await refused(visits.assign({ area: 'north', date: DAY, vehicleId: 'car-old' }, 'd1'))).toEqual(['REVOKED_VEHICLE', true]);
    expect(await refused(visits.assign({ area: 'west', date: DAY, vehicleId: 'car-1' }, 'd1'))).toEqual(['INVALID_INPUT', true]);
    expect(await refused(visits.unassign({ area: 'north', date: DAY }, 'd1'))).toEqual(['NOT_FOUND', true]);
  });

  it('reassigns a day to another vehicle, which then pulls its visits, and unassigns it', async () => {
    const a = await bookings.book(input('P-1', 'pm1'));
    const b = await bookings.book(input('P-2', 'am'));
    const c = await bookings.book(input('P-3', 'pm2'));
    if (a.status !== 'created' || b.status !== 'created' || c.status !== 'created') throw new Error('not booked');
    await bookings.cancel(c.booking.id, '取消の電話', 'd1');
    await visits.assign({ area: 'north', date: DAY, vehicleId: 'car-1' }, 'd1');
    await visits.assign({ area: 'north', date: DAY, vehicleId: 'car-2' }, 'd2');
    expect((await visits.list({ from: DAY, to: DAY })).assignments).toEqual([{ area: 'north', date: DAY, vehicleId: 'car-2', assignedAt: NOW.toISOString(), assignedBy: 'd2' }]);

    expect(await visits.forVehicle('car-1')).toMatchObject({ visits: [], finished: [] });
    const pulled = await visits.forVehicle('car-2');
    expect(pulled.today).toBe('2026-11-25');
    expect(pulled.visits.map((v) => [v.bookingId, v.start, v.resident.name])).toEqual([[b.booking.id, '10:00', '磐城 花子'], [a.booking.id, '13:00', '磐城 花子']]);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'detail']).where('action', 'like', 'visit%').orderBy('seq').execute();
    expect(audit.map((r) => r.action)).toEqual(['visit_day.assigned', 'visit_day.reassigned', 'visits.pulled', 'visits.pulled']);
    for (const r of audit) expect(r.detail).not.toMatch(/磐城|いわき はなこ|0246/);

    // The day has passed: it is no longer among the vehicle's coming visits.
    clock.advance(30 * 86_400_000);
    expect((await visits.forVehicle('car-2')).visits).toEqual([]);
    await visits.unassign({ area: 'north', date: DAY }, 'd2');
    expect((await visits.list({ from: DAY, to: DAY })).assignments).toEqual([]);
  });
});
