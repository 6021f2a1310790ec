// The day's home visits between the real hub and the vehicle's terminal core over mutual TLS: two
// visits booked, the day assigned to the vehicle, pulled, worked with city hall truly down (listed from
// the vehicle's own sealed store, opened into pre-filled requests, outcomes recorded), then the hub
// back on the same data folder: the outcomes arrive once and the visits' personal data leaves the vehicle.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { hubOptions, TerminalCore } from '../../electron/core/terminal';
import type { KyselyHubStore } from '../../hub/store/store';
import type { BookingInput } from '../../protocol/bookings';
import { earliestBookableVisitDay, tokyoInstant } from '../../protocol/visit-calendar';
import type { VisitDay } from '../../protocol/visits';
import { contractOn } from '../support/contract';
import { demoStaff, feesFile, staffFile, tempDir } from '../support/fixtures';
import { adminCredentials, httpsCall, operatorClient, startTestHub, submitMessage, testVisitRules, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

const rules = testVisitRules();
// Wednesday 2026-11-25, 10:00 in Tokyo: the bookings are taken then.
const BOOKED_AT = new Date('2026-11-25T01:00:00.000Z');
const VISIT_DAY = earliestBookableVisitDay(rules, 'north', BOOKED_AT)!;
const VEHICLE = 'vehicle-north-1';

const tome = { name: '常磐 トメ', kana: 'じょうばん とめ', birthDate: '1938-02-11', address: 'いわき市平字作町一丁目9', phone: '0246-43-1234' };
const shige = { name: '四倉 シゲ子', kana: 'よつくら しげこ', birthDate: '1944-07-30', address: 'いわき市四倉町字西三丁目4', phone: '090-1234-5678' };
const noshow = { name: '小川 ハナ', kana: 'おがわ はな', birthDate: '1950-01-05', address: 'いわき市小川町高萩字下川原1', phone: '0246-83-0000' };
const personal = ['常磐 トメ', 'じょうばん とめ', '0246431234', '四倉 シゲ子', '09012345678', 'いわき市平字作町', '小川 ハナ'];

function booking(externalId: string, slot: BookingInput['slot'], resident: typeof tome, services: BookingInput['services'], district = '平'): BookingInput {
  return {
    externalId, channel: 'phone', district, date: VISIT_DAY, slot, resident,
    eligibility: { reasons: ['elderly', 'license_returned'] }, coverage: 'yes', parking: 'no', services, notes: '家の前の坂道に駐車',
  };
}

let tmp: ReturnType<typeof tempDir>;
let hub: TestHub;
let hubPort: number;
let enrollment: VehicleTls;
let core: TerminalCore | null = null;
const { ok, fails } = contractOn(() => core!);
const hubClock = new ManualClock(BOOKED_AT);
// The vehicle leaves city hall at 8:30 on the visit day.
const vehicleClock = new ManualClock(tokyoInstant(VISIT_DAY, '08:30'));

function startCore(): TerminalCore {
  const creds = loadEnrollment(enrollment.dir, hub.hub.url);
  const c = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    place: VEHICLE,
    clock: vehicleClock,
    hub: { ...hubOptions(new HttpsHubTransport(creds, 3_000), creds.printSigningKey), retry: { baseMs: 50, maxMs: 200 } },
  });
  c.staff.seedFromFile(staffFile);
  return c;
}

/** The vehicle's database file and its WAL, as raw text: what someone with the laptop's disk could read. */
function vehicleDiskText(): string {
  const file = join(tmp.dir, 'vehicle', 'terminal.sqlite3');
  return [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('utf8')).join('\n');
}

beforeEach(async () => {
  tmp = tempDir();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), clock: hubClock });
  hubPort = hub.hub.port;
  enrollment = await hub.enroll(VEHICLE);
});
afterEach(async () => {
  await core?.close();
  core = null;
  await hub.stop();
  tmp.remove();
});

describe('the day\'s home visits on the vehicle', () => {
  it('pulls the assigned day, works it offline, and sends each outcome once before purging the visits\' personal data', async () => {
    const booked = [
      await hub.hub.bookings.book(booking('P-0001', 'am', tome, [
        { type: 'certificate', kind: 'juminhyo', copies: 1, juminhyo: { scope: 'partial', includeHonseki: true, includeZokugara: false, showMyNumber: false } },
        { type: 'certificate', kind: 'inkan', copies: 2 },
        { type: 'consultation', department: 'pension' },
      ]), 'dispatcher-1'),
      await hub.hub.bookings.book(booking('P-0002', 'pm1', shige, [{ type: 'insurance_link' }, { type: 'certificate', kind: 'shotoku_kazei', copies: 1 }], '四倉'), 'dispatcher-1'),
      await hub.hub.bookings.book(booking('P-0003', 'pm2', noshow, [{ type: 'smartphone_help' }], '小川'), 'dispatcher-1'),
    ];
    const [first, second, third] = booked.map((b) => (b.status === 'created' ? b.booking.id : expect.fail(`not booked: ${JSON.stringify(b)}`)));

    // The dispatcher assigns the north's visit day to the vehicle (console session, CSRF).
    const dispatcher = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await dispatcher.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
    const assign = { area: 'north', date: VISIT_DAY, vehicleId: VEHICLE };
    expect((await dispatcher.call('POST', '/api/v1/console/visits/assignments', assign, { csrf: false })).status).toBe(403);
    const notAVisitDay = await dispatcher.call('POST', '/api/v1/console/visits/assignments', { ...assign, date: '2026-12-02' });
    expect(notAVisitDay).toMatchObject({ status: 422, body: { code: 'NOT_A_VISIT_DAY' } });
    expect(await dispatcher.call('POST', '/api/v1/console/visits/assignments', assign)).toMatchObject({ status: 200, body: { ...assign, assignedBy: 'admin' } });

    // Another vehicle sees none of them.
    const other = await hub.enroll('vehicle-south-1');
    expect(await httpsCall(`${hub.hub.url}/api/v1/vehicle/visits`, { tls: other })).toMatchObject({ status: 200, body: { vehicleId: 'vehicle-south-1', visits: [], finished: [] } });

    core = startCore();
    await ok('signIn', demoStaff);
    await core.sync!.syncNow();
    let day = await ok<VisitDay>('pullVisits', {});
    expect(day.online).toBe(true);
    expect(day.lastPulledAt).toBe(vehicleClock.now().toISOString());
    expect(day.visits.map((v) => [v.bookingId, v.start, v.status])).toEqual([[first, '10:00', 'planned'], [second, '13:00', 'planned'], [third, '14:30', 'planned']]);
    expect(day.visits[0]!.booking).toMatchObject({ resident: { ...tome, phone: '0246431234' }, district: '平', parking: 'no', coverage: 'yes', notes: '家の前の坂道に駐車' });

    // The third resident cancels by phone: the next pull drops the visit from the vehicle.
    await hub.hub.bookings.cancel(third!, '入院のため', 'dispatcher-1');
    day = await ok<VisitDay>('pullVisits', {});
    expect(day.visits.map((v) => v.bookingId)).toEqual([first, second]);
    const hubAudit = await (hub.hub.store as KyselyHubStore).db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'visits.pulled').execute();
    expect(hubAudit.length).toBeGreaterThanOrEqual(2);
    for (const a of hubAudit) for (const p of personal) expect(a.detail).not.toContain(p);

    // City hall goes away for the rest of the day.
    await hub.stop();
    await core.sync!.syncNow();
    expect((await fails('pullVisits', {})).code).toBe('HUB_UNREACHABLE');
    day = await ok<VisitDay>('getVisitDay', {});
    expect(day.online).toBe(false);
    expect(day.visits.map((v) => v.booking?.resident.name)).toEqual([tome.name, shige.name]);
    // Sealed at rest: no resident's name, kana, phone or address is readable in the file or its WAL.
    let disk = vehicleDiskText();
    for (const p of personal) expect(disk).not.toContain(p);

    // 訪問を開始: the certificate requests are there, filled from the booking.
    const opened = await ok('openVisit', { bookingId: first });
    expect(opened.status).toBe('open');
    expect(opened.requestIds).toHaveLength(2);
    const requests = await Promise.all(opened.requestIds.map((id: string) => ok('getRequest', { id })));
    expect(requests.map((r) => [r.kind, r.copies, r.step])).toEqual([['juminhyo', 1, 'entered'], ['inkan', 2, 'entered']]);
    for (const r of requests) {
      expect(r.input.subject).toEqual({ name: tome.name, kana: tome.kana, birthDate: tome.birthDate, address: tome.address });
      expect(r.input.requester).toMatchObject({ relation: 'self', letterOfProxy: false });
    }
    expect(requests[0].input.juminhyo).toMatchObject({ scope: 'partial', includeHonseki: true });
    // Opening again creates nothing more.
    expect((await ok('openVisit', { bookingId: first })).requestIds).toEqual(opened.requestIds);
    expect((await ok('listToday', {})).length).toBe(2);

    // A health-insurance link that needed the network becomes a task for the next visit, and a call-back for the dispatcher.
    await ok('addNextVisitTask', { kind: 'insurance_link', name: shige.name, phone: shige.phone });

    // Outcomes, offline: every one but 完了 needs its reason.
    await ok('recordVisitOutcome', { bookingId: first, outcome: 'done' });
    const noReason = await fails('recordVisitOutcome', { bookingId: second, outcome: 'absent' });
    expect(noReason.message).toBe('「ご不在」の理由を入力してください。');
    await ok('recordVisitOutcome', { bookingId: second, outcome: 'absent', reason: '呼び鈴に応答なし。ポストに不在票' });
    expect((await fails('recordVisitOutcome', { bookingId: second, outcome: 'done' })).code).toBe('OUTCOME_RECORDED');
    day = await ok<VisitDay>('getVisitDay', {});
    expect(day.visits.map((v) => [v.status, v.outcomePending])).toEqual([['done', true], ['absent', true]]);
    disk = vehicleDiskText();
    for (const p of [...personal, '呼び鈴に応答なし']) expect(disk).not.toContain(p);

    // City hall is back on the same data folder and port: the outbox drains.
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), clock: hubClock, port: hubPort });
    await core.sync!.syncNow();
    expect(core.outbox.pending()).toEqual([]);
    const store = (hub.hub.store as KyselyHubStore).db;
    const outcomes = await store.selectFrom('visit_outcomes').select(['booking_id', 'vehicle_id', 'outcome', 'reason', 'recorded_at']).orderBy('recorded_at').execute();
    expect(outcomes).toEqual([
      { booking_id: first, vehicle_id: VEHICLE, outcome: 'done', reason: null, recorded_at: vehicleClock.now().toISOString() },
      { booking_id: second, vehicle_id: VEHICLE, outcome: 'absent', reason: '呼び鈴に応答なし。ポストに不在票', recorded_at: vehicleClock.now().toISOString() },
    ]);
    // The same outcome again (a retry under a new key, or another outcome for the same visit): the first stays.
    const again = await vehicleClient(hub.hub.url, enrollment).deliver([
      { type: 'visit_outcome', idempotencyKey: 'visit-outcome-replay-1', bookingId: second, outcome: 'postponed', reason: '再送', staffId: 'S0001', recordedAt: '2026-11-30T10:00:00+09:00' },
    ]);
    expect(again.body.results).toEqual([{ idempotencyKey: 'visit-outcome-replay-1', status: 'duplicate' }]);
    await core.sync!.syncNow();
    expect(await store.selectFrom('visit_outcomes').select('outcome').orderBy('recorded_at').execute()).toEqual([{ outcome: 'done' }, { outcome: 'absent' }]);

    // The dispatcher's call-back list: the absent resident and the link to do again, each once; their words name nobody.
    const callBacks = await store.selectFrom('booking_notices').select(['kind', 'booking_id', 'audience', 'contact', 'message']).where('kind', '=', 'follow_up').orderBy('seq').execute();
    expect(callBacks.map((c) => [c.kind, c.booking_id, c.audience, JSON.parse(c.contact!)])).toEqual([
      ['follow_up', null, 'callback', { name: shige.name, phone: '09012345678' }],
      ['follow_up', second, 'callback', { name: shige.name, phone: '09012345678' }],
    ]);
    for (const c of callBacks) for (const p of personal) expect(c.message).not.toContain(p);
    expect(callBacks[0]!.message).toContain('マイナ保険証');
    expect(callBacks[1]!.message).toContain('ご不在');
    const taskId = core.nextVisit.list()[0]!.id;
    const replay = await vehicleClient(hub.hub.url, enrollment).deliver([
      { type: 'follow_up', idempotencyKey: 'follow-up-replay-1', taskId, kind: 'insurance_link', name: shige.name, phone: '09012345678', staffId: 'S0001', createdAt: '2026-11-30T10:00:00+09:00' },
    ]);
    expect(replay.body.results).toEqual([{ idempotencyKey: 'follow-up-replay-1', status: 'duplicate' }]);
    expect(await store.selectFrom('booking_notices').select('id').where('kind', '=', 'follow_up').execute()).toHaveLength(2);

    // City hall holds them: the vehicle keeps the day's list without the residents.
    day = await ok<VisitDay>('getVisitDay', {});
    expect(day.visits.map((v) => [v.bookingId, v.start, v.status, v.outcomePending, v.booking, v.outcomeReason])).toEqual([
      [first, '10:00', 'done', false, null, null],
      [second, '13:00', 'absent', false, null, null],
    ]);
    const sealedLeft = core.db.prepare('SELECT COUNT(*) FROM home_visits WHERE booking_sealed IS NOT NULL OR outcome_reason_sealed IS NOT NULL').pluck().get();
    expect(sealedLeft).toBe(0);
    // A pull now brings the finished visits without personal data, and nothing comes back.
    day = await ok<VisitDay>('pullVisits', {});
    expect(day.visits.map((v) => [v.status, v.booking])).toEqual([['done', null], ['absent', null]]);
    const vehicleAudit = core.db.prepare("SELECT detail FROM audit_log WHERE action LIKE 'visit%'").pluck().all() as string[];
    for (const d of vehicleAudit) for (const p of personal) expect(d).not.toContain(p);
    disk = vehicleDiskText();
    for (const p of personal) expect(disk).not.toContain(p);
  });

  it('applies outcomes in a batch with request messages, and sets aside one for a day not assigned to the vehicle', async () => {
    const north = await hub.hub.bookings.book(booking('P-0100', 'am', tome, [{ type: 'smartphone_help' }]));
    const southDay = earliestBookableVisitDay(rules, 'south', BOOKED_AT)!;
    const south = await hub.hub.bookings.book({ ...booking('P-0101', 'am', shige, [{ type: 'smartphone_help' }], '小名浜'), date: southDay });
    if (north.status !== 'created' || south.status !== 'created') throw new Error('not booked');
    await hub.hub.visits.assign({ area: 'north', date: VISIT_DAY, vehicleId: VEHICLE }, 'dispatcher-1');
    const outcome = (key: string, bookingId: string, value = 'done') =>
      ({ type: 'visit_outcome', idempotencyKey: key, bookingId, outcome: value, reason: value === 'done' ? null : '不在', staffId: 'S0001', recordedAt: '2026-11-30T10:00:00+09:00' });
    const vehicle = vehicleClient(hub.hub.url, enrollment);

    // One refused message: the batch runs again with a savepoint per message, and only that one is set aside.
    const first = await vehicle.deliver([submitMessage(), outcome('visit-outcome-north', north.booking.id), outcome('visit-outcome-south', south.booking.id)]);
    expect(first.body.results.map((r: { status: string; code?: string }) => [r.status, r.code])).toEqual([['applied', undefined], ['applied', undefined], ['rejected', 'UNKNOWN_VISIT']]);
    // All well-formed: the bulk path, with the outcome applied in its place and its replay answered as before.
    const second = await vehicle.deliver([submitMessage(), outcome('visit-outcome-north', north.booking.id), outcome('visit-outcome-north-2', north.booking.id, 'absent')]);
    expect(second.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'duplicate', 'duplicate']);
    const store = (hub.hub.store as KyselyHubStore).db;
    expect(await store.selectFrom('visit_outcomes').select(['booking_id', 'outcome']).execute()).toEqual([{ booking_id: north.booking.id, outcome: 'done' }]);
    expect(await store.selectFrom('dead_letters').select('code').execute()).toEqual([{ code: 'UNKNOWN_VISIT' }]);
    // Without a client certificate there are no visits to pull.
    expect(await httpsCall(`${hub.hub.url}/api/v1/vehicle/visits`, { tls: { ca: enrollment.ca } })).toMatchObject({ status: 401, body: { code: 'UNKNOWN_VEHICLE' } });
  });
});
