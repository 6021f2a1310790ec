// The dispatcher's console API (配車担当): who may call it, what it answers for each outcome of a phone
// booking, a change and a cancellation, and the call-back list — over real HTTPS with the session
// cookie and CSRF token, on a hub clock fixed at Wednesday 2026-11-25 10:00 in Tokyo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { addOperator } from '../../hub/server';
import { adminCredentials, operatorClient, startTestHub, type TestHub } from '../support/hub';

const clock = new ManualClock(new Date('2026-11-25T01:00:00.000Z'));
const dispatcher = { id: 'D0001', password: 'dispatcher-password-1' };
const B = '/api/v1/console/bookings';

let t: TestHub;
let op: ReturnType<typeof operatorClient>;

const phoneBooking = (overrides: Record<string, unknown> = {}) => ({
  externalId: `phone-${crypto.randomUUID()}`,
  district: '平',
  date: '2026-11-30',
  slot: 'am',
  resident: { name: '平 花子', kana: 'たいら はなこ', birthDate: '1942-03-15', address: '福島県いわき市平字架空町2-3', phone: '0246-22-1234' },
  eligibility: { reasons: ['elderly'] },
  coverage: 'yes',
  parking: 'unknown',
  services: [{ type: 'smartphone_help' }],
  ...overrides,
});

beforeAll(async () => {
  t = await startTestHub({ clock });
  await addOperator(t.hub.store, { id: dispatcher.id, displayName: '配車 花子', role: 'dispatcher', password: dispatcher.password, actor: 'test' }, clock);
  await addOperator(t.hub.store, { id: 'O0001', displayName: '証明 太郎', role: 'operator', password: 'operator-password-1', actor: 'test' }, clock);
  op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(dispatcher.id, dispatcher.password)).status).toBe(200);
});
afterAll(async () => t?.stop());

describe("dispatcher's console API", () => {
  it('is for dispatchers and admins only, and needs a session', async () => {
    const nobody = operatorClient(t.hub.url, t.hub.caCert);
    expect((await nobody.call('GET', `${B}/rules`)).status).toBe(401);
    const certificateOperator = operatorClient(t.hub.url, t.hub.caCert);
    await certificateOperator.signIn('O0001', 'operator-password-1');
    const refused = await certificateOperator.call('GET', `${B}/availability?area=north&from=2026-11-30&to=2026-12-06`);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN_ROLE');
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    expect((await admin.call('GET', `${B}/rules`)).status).toBe(200);
  });

  it("answers the visit rules with the hub's clock, so the browser's today is the hub's", async () => {
    const res = await op.call('GET', `${B}/rules`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ now: '2026-11-25T01:00:00.000Z', today: '2026-11-25' });
    expect(res.body.rules.areas.north.weekdays).toEqual(['mon', 'fri']);
  });

  it('answers availability for a range and names a bad query field in Japanese', async () => {
    const res = await op.call('GET', `${B}/availability?area=north&from=2026-11-23&to=2026-11-29`);
    expect(res.status).toBe(200);
    expect(res.body.today).toBe('2026-11-25');
    expect(res.body.days.map((d: { date: string; visitDay: boolean }) => d.visitDay)).toEqual([false, false, false, false, true, false, false]);
    expect(res.body.days[4].slots.map((s: { status: string }) => s.status)).toEqual(['closed', 'closed', 'closed']);
    const bad = await op.call('GET', `${B}/availability?area=east&from=2026-11-23&to=2026-11-29`);
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0]).toMatchObject({ path: 'area' });
    expect(bad.body.message).toContain('地域');
  });

  it('books by phone once per external id, always as a phone booking, and lists it with its details', async () => {
    const input = phoneBooking({ channel: 'line' });
    const first = await op.call('POST', B, input);
    expect(first.status).toBe(201);
    expect(first.body.booking).toMatchObject({ channel: 'phone', area: 'north', date: '2026-11-30', slot: 'am', status: 'booked' });
    const again = await op.call('POST', B, input);
    expect(again.status).toBe(200);
    expect(again.body.booking.id).toBe(first.body.booking.id);

    const listed = await op.call('GET', `${B}?area=north&from=2026-11-30&to=2026-12-06`);
    expect(listed.body.bookings.map((b: { id: string; resident: { name: string } }) => [b.id, b.resident.name])).toEqual([[first.body.booking.id, '平 花子']]);
    const opened = await op.call('GET', `${B}/${first.body.booking.id}`);
    expect(opened.body.booking.resident.name).toBe('平 花子');
    const audit = await t.hub.store.transaction((tx) => tx.listAudit({ action: 'booking.read' }));
    expect(audit.map((a) => a.actor)).toEqual([dispatcher.id]);
    expect(JSON.stringify(audit)).toContain(first.body.booking.id);
    expect(JSON.stringify(audit)).not.toContain('平 花子');
  });

  it('refuses without the CSRF token, and an external id the console did not make', async () => {
    const noToken = await op.call('POST', B, phoneBooking({ slot: 'pm1' }), { csrf: false });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe('CSRF_REJECTED');
    const foreign = await op.call('POST', B, phoneBooking({ slot: 'pm1', externalId: 'line-123456789' }));
    expect(foreign.status).toBe(400);
    expect(foreign.body.fields[0].path).toBe('externalId');
  });

  it('answers 400 with every field problem, 422 with the earliest day, 409 with the next free slots', async () => {
    const fields = await op.call('POST', B, phoneBooking({ slot: 'pm1', resident: { ...phoneBooking().resident, phone: '12345' }, coverage: undefined }));
    expect(fields.status).toBe(400);
    expect(fields.body.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['resident.phone', 'coverage']));
    expect(fields.body.fields.find((f: { path: string }) => f.path === 'resident.phone').message).toContain('電話番号');

    const late = await op.call('POST', B, phoneBooking({ date: '2026-11-27' }));
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ code: 'DEADLINE_PASSED', earliest: '2026-11-30' });
    expect(late.body.message).toBe('この日の予約は 11月24日(火) 16:00 で締め切りました。いちばん早く伺えるのは 11月30日(月) です。');

    const taken = await op.call('POST', B, phoneBooking());
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('SLOT_TAKEN');
    expect(taken.body.nextFree[0]).toEqual({ date: '2026-11-30', slot: 'pm1', start: '13:00' });
  });

  it('changes a booking with a reason, refuses a held or closed slot, and puts the change on the call-back list', async () => {
    const held = await op.call('POST', B, phoneBooking({ date: '2026-12-04', slot: 'am', resident: { ...phoneBooking().resident, name: '先約 次郎' } }));
    const mine = await op.call('POST', B, phoneBooking({ date: '2026-12-04', slot: 'pm1' }));
    const id = mine.body.booking.id as string;
    const noReason = await op.call('POST', `${B}/${id}/change`, { date: '2026-12-04', slot: 'pm2' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toContain('理由');
    const onHeld = await op.call('POST', `${B}/${id}/change`, { date: held.body.booking.date, slot: 'am', reason: '午前希望' });
    expect(onHeld.status).toBe(409);
    expect(onHeld.body.code).toBe('SLOT_TAKEN');
    const closed = await op.call('POST', `${B}/${id}/change`, { date: '2026-11-27', slot: 'am', reason: '早めたい' });
    expect(closed.status).toBe(422);
    expect(closed.body.code).toBe('DEADLINE_PASSED');
    const moved = await op.call('POST', `${B}/${id}/change`, { date: '2026-12-04', slot: 'pm2', reason: 'ご家族の都合' });
    expect(moved.status).toBe(200);
    expect(moved.body.booking).toMatchObject({ id, date: '2026-12-04', slot: 'pm2' });

    const callbacks = await op.call('GET', `${B.replace('/bookings', '')}/callbacks`);
    const item = callbacks.body.items.find((c: { bookingId: string; kind: string }) => c.bookingId === id && c.kind === 'changed');
    expect(item).toMatchObject({ name: '平 花子', phone: '0246221234' });
  });

  it('cancels with a reason only, once, and the call-back item is marked done once', async () => {
    const booked = await op.call('POST', B, phoneBooking({ date: '2026-12-07', slot: 'am' }));
    const id = booked.body.booking.id as string;
    const noReason = await op.call('POST', `${B}/${id}/cancel`, { reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toBe('取消の理由を入力してください。');
    const cancelled = await op.call('POST', `${B}/${id}/cancel`, { reason: '入院されたため' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.booking.status).toBe('cancelled');
    expect((await op.call('POST', `${B}/${id}/cancel`, { reason: '入院されたため' })).status).toBe(409);
    expect((await op.call('GET', `${B}/${id}`)).body.booking.status).toBe('cancelled');

    const list = await op.call('GET', '/api/v1/console/callbacks');
    const item = list.body.items.find((c: { bookingId: string; kind: string }) => c.bookingId === id && c.kind === 'cancelled');
    expect(item).toBeDefined();
    expect((await op.call('POST', `/api/v1/console/callbacks/${item.id}/done`, {})).status).toBe(200);
    const after = await op.call('GET', '/api/v1/console/callbacks');
    expect(after.body.items.some((c: { id: string }) => c.id === item.id)).toBe(false);
    expect((await op.call('POST', `/api/v1/console/callbacks/${item.id}/done`, {})).status).toBe(409);
  });

  it('answers an unknown booking with 404 and a bad id with 400', async () => {
    expect((await op.call('GET', `${B}/abcdefghijkl`)).status).toBe(404);
    expect((await op.call('GET', `${B}/a%20b`)).status).toBe(400);
  });
});
