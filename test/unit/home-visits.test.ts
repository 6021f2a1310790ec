// The vehicle's home visits without a hub: what a pull keeps, drops and seals, opening a visit once,
// and an outcome that queues for city hall and then takes the visit's personal data with it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { newId } from '../../common/ids';
import { silentLogger } from '../../common/logger';
import { AuditLog } from '../../electron/core/audit';
import { FieldCipher } from '../../electron/core/crypto';
import { openDatabase, type Db } from '../../electron/core/db';
import { AppError } from '../../electron/core/errors';
import { HomeVisits } from '../../electron/core/home-visits';
import { Outbox } from '../../electron/core/outbox';
import type { RequestInput, RequestSummary } from '../../protocol/request';
import type { VehicleVisitsResponse, VisitForVehicle } from '../../protocol/visits';
import { tempDir } from '../support/fixtures';

const DAY = '2026-12-04';
const visit = (bookingId: string, slot: VisitForVehicle['slot'], start: string, name: string): VisitForVehicle => ({
  bookingId, date: DAY, slot, start, area: 'north', district: '平',
  resident: { name, kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21', phone: '0246221111' },
  eligibility: { reasons: ['elderly'] }, coverage: 'yes', parking: 'unknown',
  services: [{ type: 'certificate', kind: 'inkan', copies: 1 }, { type: 'smartphone_help' }], notes: null, status: 'booked',
});

let tmp: ReturnType<typeof tempDir>;
let db: Db;
let answer: VehicleVisitsResponse | Error;
let created: RequestInput[];
let changes: number;
let visits: HomeVisits;
const clock = new ManualClock(new Date(`${DAY}T00:00:00.000Z`));

beforeEach(() => {
  tmp = tempDir();
  db = openDatabase(join(tmp.dir, 'terminal.sqlite3'));
  const cipher = new FieldCipher(randomBytes(32));
  created = [];
  changes = 0;
  visits = new HomeVisits({
    db, cipher, clock, logger: silentLogger,
    audit: new AuditLog(db, clock, 'vehicle-1'),
    outbox: new Outbox({ db, cipher, clock, newId }),
    transport: { visits: async () => { if (answer instanceof Error) throw answer; return answer; } },
    online: () => !(answer instanceof Error),
    createRequest: (input: RequestInput): RequestSummary => {
      created.push(input);
      return { id: `req-${String(created.length).padStart(8, '0')}`, number: '001', kind: input.kind, copies: input.copies, feeYen: 300, step: 'entered', residentConfirmed: false, createdAt: 't', updatedAt: 't' };
    },
    onChange: () => changes++,
  });
});
afterEach(() => {
  db.close();
  tmp.remove();
});

describe('home visits on the vehicle', () => {
  it('keeps what city hall lists, drops what it no longer lists unless an outcome is recorded, and keeps finished ones without personal data', async () => {
    answer = { vehicleId: 'vehicle-1', today: DAY, visits: [visit('booking-0001', 'am', '10:00', '磐城 花子'), visit('booking-0002', 'pm1', '13:00', '小名浜 太郎'), visit('booking-0003', 'pm2', '14:30', '勿来 次郎')], finished: [] };
    expect((await visits.pull()).visits.map((v) => v.status)).toEqual(['planned', 'planned', 'planned']);
    visits.open('booking-0001', 'S0001');
    visits.recordOutcome({ bookingId: 'booking-0002', outcome: 'postponed', reason: '体調不良' }, 'S0001');

    // booking-0001 cancelled at city hall, booking-0002 no longer listed, booking-0003 finished elsewhere.
    answer = { vehicleId: 'vehicle-1', today: DAY, visits: [], finished: [{ bookingId: 'booking-0003', date: DAY, slot: 'pm2', start: '14:30', outcome: 'done' }] };
    const day = await visits.pull();
    expect(day.visits.map((v) => [v.bookingId, v.status, v.booking === null, v.outcomePending])).toEqual([
      ['booking-0002', 'postponed', false, true],
      ['booking-0003', 'done', true, false],
    ]);
    expect(day.lastPulledAt).toBe(clock.now().toISOString());
    expect(changes).toBeGreaterThanOrEqual(4);
  });

  it('drops a visit of a past day that was never worked, with its personal data', async () => {
    answer = { vehicleId: 'vehicle-1', today: DAY, visits: [visit('booking-0001', 'am', '10:00', '磐城 花子')], finished: [] };
    await visits.pull();
    clock.advance(3 * 86_400_000);
    answer = { vehicleId: 'vehicle-1', today: '2026-12-07', visits: [], finished: [] };
    expect((await visits.pull()).visits).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM home_visits').pluck().get()).toBe(0);
    clock.advance(-3 * 86_400_000);
  });

  it('keeps the stored day when city hall cannot be reached, and says so in Japanese', async () => {
    answer = { vehicleId: 'vehicle-1', today: DAY, visits: [visit('booking-0001', 'am', '10:00', '磐城 花子')], finished: [] };
    await visits.pull();
    answer = new Error('connect ECONNREFUSED');
    const e = await visits.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: 'HUB_UNREACHABLE' });
    const day = visits.day();
    expect(day.online).toBe(false);
    expect(day.visits[0]?.booking?.resident.name).toBe('磐城 花子');
  });

  it('opens a visit into its certificate requests once, and purges it once city hall holds the outcome', async () => {
    answer = { vehicleId: 'vehicle-1', today: DAY, visits: [visit('booking-0001', 'am', '10:00', '磐城 花子')], finished: [] };
    await visits.pull();
    const opened = visits.open('booking-0001', 'S0001');
    expect(visits.open('booking-0001', 'S0001').requestIds).toEqual(opened.requestIds);
    expect(created).toEqual([{ kind: 'inkan', copies: 1, subject: { name: '磐城 花子', kana: 'いわき はなこ', birthDate: '1941-05-03', address: 'いわき市平字梅本21' }, requester: { relation: 'self', letterOfProxy: false } }]);
    visits.recordOutcome({ bookingId: 'booking-0001', outcome: 'done' }, 'S0001');
    expect(() => visits.open('booking-0001', 'S0001')).toThrow(/結果を記録済み/);
    const [queued] = new Outbox({ db, cipher: new FieldCipher(randomBytes(32)), clock, newId }).pending().map((m) => [m.kind, m.requestId]);
    expect(queued).toEqual(['visit.outcome', 'booking-0001']);
    db.transaction(() => visits.outcomeDelivered('booking-0001'))();
    expect(visits.day().visits).toMatchObject([{ bookingId: 'booking-0001', status: 'done', booking: null, outcomeReason: null, outcomePending: false }]);
    expect(db.prepare('SELECT booking_sealed, outcome_reason_sealed FROM home_visits').get()).toEqual({ booking_sealed: null, outcome_reason_sealed: null });
  });
});
