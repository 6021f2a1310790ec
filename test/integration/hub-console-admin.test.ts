// The admins' console API: vehicles (traffic, revocation), operators (add, role, deactivate, new
// password), set-aside vehicle messages (look, resolve) and the audit log (search, pages). Each change
// is audited; every other role is refused; bad input is answered in Japanese naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server';
import { adminCredentials, approverCredentials, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub } from '../support/hub';

let t: TestHub;
let admin: ReturnType<typeof operatorClient>;
/** The 証明書担当 who decides requests (an admin cannot). */
let approver: ReturnType<typeof operatorClient>;
const password = 'operator-password-1';

const audits = (action: string) => t.hub.store.transaction((tx) => tx.listAudit({ action }));

beforeAll(async () => {
  t = await startTestHub();
  for (const [id, role] of [['shomei-1', 'operator'], ['consult-1', 'consultant'], ['haisha-1', 'dispatcher'], ['kikaku-1', 'planning']] as const) {
    await addOperator(t.hub.store, { id, displayName: `職員 ${id}`, role, password, actor: 'test' });
  }
  admin = operatorClient(t.hub.url, t.hub.caCert);
  expect((await admin.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
  approver = operatorClient(t.hub.url, t.hub.caCert);
  expect((await approver.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
});
afterAll(async () => t?.stop());

describe('admin: vehicles', () => {
  it('lists each vehicle with its last sync and unacknowledged inbox, and revokes one with its id typed again', async () => {
    const car = await t.enroll('admin-car-1');
    const vehicle = vehicleClient(t.hub.url, car);
    const m = submitMessage();
    await vehicle.deliver([m]);
    expect((await approver.call('POST', `/api/v1/console/requests/${m.requestId}/reject`, { reason: '確認のため' })).status).toBe(200);
    const list = await admin.call('GET', '/api/v1/admin/vehicles');
    expect(list.status).toBe(200);
    const row = list.body.vehicles.find((v: { id: string }) => v.id === 'admin-car-1');
    expect(row).toMatchObject({ id: 'admin-car-1', enrolledBy: 'test', revokedAt: null, connected: false, unacknowledged: 1 });
    expect(Date.parse(row.lastSyncAt)).toBeGreaterThan(Date.parse(row.enrolledAt) - 1);

    const mistyped = await admin.call('POST', '/api/v1/admin/vehicles/admin-car-1/revoke', { confirm: 'admin-car-2' });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.message).toContain('admin-car-1');
    const revoked = await admin.call('POST', '/api/v1/admin/vehicles/admin-car-1/revoke', { confirm: 'admin-car-1' });
    expect(revoked.status).toBe(200);
    expect((await vehicle.deliver([submitMessage()])).body.code).toBe('REVOKED_VEHICLE');
    const again = await admin.call('POST', '/api/v1/admin/vehicles/admin-car-1/revoke', { confirm: 'admin-car-1' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/すでに失効/);
    expect((await admin.call('POST', '/api/v1/admin/vehicles/no-such-car/revoke', { confirm: 'no-such-car' })).status).toBe(404);
    expect((await audits('vehicle.revoke')).map((a) => [a.actor, JSON.parse(a.detail).vehicleId])).toContainEqual(['admin', 'admin-car-1']);
  });
});

describe('admin: operators', () => {
  it('adds an operator, changes the role, deactivates (signing them out) and activates again', async () => {
    const created = await admin.call('POST', '/api/v1/admin/operators', { id: 'shomei-2', displayName: '証明 二郎', role: 'operator', password: 'first-password-123' });
    expect(created.status).toBe(200);
    const clerk = operatorClient(t.hub.url, t.hub.caCert);
    expect((await clerk.signIn('shomei-2', 'first-password-123')).status).toBe(200);
    expect((await clerk.call('GET', '/api/v1/console/queue')).status).toBe(200);

    expect((await admin.call('POST', '/api/v1/admin/operators/shomei-2/role', { role: 'dispatcher' })).status).toBe(200);
    expect((await clerk.call('GET', '/api/v1/console/queue')).status).toBe(403);
    await admin.call('POST', '/api/v1/admin/operators/shomei-2/role', { role: 'operator' });

    expect((await admin.call('POST', '/api/v1/admin/operators/shomei-2/active', { active: false })).status).toBe(200);
    const out = await clerk.call('GET', '/api/v1/console/queue');
    expect(out.status).toBe(401);
    expect((await clerk.signIn('shomei-2', 'first-password-123')).status).toBe(401);
    await admin.call('POST', '/api/v1/admin/operators/shomei-2/active', { active: true });
    expect((await clerk.signIn('shomei-2', 'first-password-123')).status).toBe(200);

    const list = await admin.call('GET', '/api/v1/admin/operators');
    expect(list.body.operators.find((o: { id: string }) => o.id === 'shomei-2')).toMatchObject({ displayName: '証明 二郎', role: 'operator', active: true });
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|passwordHash/);
    const actions = (await t.hub.store.transaction((tx) => tx.listAudit({}))).filter((a) => a.actor === 'admin').map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['operator.create', 'operator.role', 'operator.deactivate', 'operator.activate']));
  });

  it('gives a new password once, signs the operator out, and never stores or audits it in the clear', async () => {
    const clerk = operatorClient(t.hub.url, t.hub.caCert);
    await clerk.signIn('shomei-1', password);
    const reset = await admin.call('POST', '/api/v1/admin/operators/shomei-1/password', {});
    expect(reset.status).toBe(200);
    expect(reset.body.password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect((await clerk.call('GET', '/api/v1/console/queue')).status).toBe(401);
    expect((await clerk.signIn('shomei-1', password)).status).toBe(401);
    expect((await clerk.signIn('shomei-1', reset.body.password)).status).toBe(200);
    const everything = JSON.stringify(await t.hub.store.transaction(async (tx) => [await tx.listAudit({}), await tx.listOperators()]));
    expect(everything).not.toContain(reset.body.password);
    expect((await audits('operator.password_reset')).length).toBe(1);
  });

  it('does not let an admin change or switch off themselves', async () => {
    const self = await admin.call('POST', '/api/v1/admin/operators/admin/active', { active: false });
    expect(self.status).toBe(409);
    expect(self.body.message).toMatch(/自分自身/);
    expect((await admin.call('POST', '/api/v1/admin/operators/admin/role', { role: 'operator' })).status).toBe(409);
  });

  it('answers bad input in Japanese, naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/api/v1/admin/operators/shomei-1/role', { role: 'mayor' }, /役割/],
      ['/api/v1/admin/operators/shomei-1/active', { active: 'yes' }, /有効か無効/],
      ['/api/v1/admin/operators/bad%20id/password', {}, /職員番号/],
      ['/api/v1/admin/operators', { id: 'x1', displayName: '', role: 'operator', password: 'long-enough-password' }, /氏名/],
      ['/api/v1/admin/operators', { id: 'x1', displayName: '名前', role: 'operator', password: 'short' }, /12文字/],
      ['/api/v1/admin/dead-letters/abc/resolve', { resolution: 'resent' }, /保留メッセージの番号/],
      ['/api/v1/admin/dead-letters/1/resolve', { resolution: 'whatever' }, /処理の内容/],
      ['/api/v1/admin/vehicles/admin-car-1/revoke', {}, /車両の番号を入力/],
    ];
    for (const [path, body, message] of cases) {
      const res = await admin.call('POST', path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.message, path).toMatch(message);
    }
    const audit = await admin.call('GET', '/api/v1/admin/audit?day=2026/11/24');
    expect(audit.status).toBe(400);
    expect(audit.body.message).toMatch(/日付（day）/);
    expect((await admin.call('GET', '/api/v1/admin/audit?limit=5000')).body.message).toMatch(/件数（limit）/);
    expect((await admin.call('GET', `/api/v1/admin/audit?person=${encodeURIComponent('　')}`)).body.message).toMatch(/対象者（person）/);
  });
});

describe('admin: set-aside messages', () => {
  it('shows what was set aside and why, and resolves it: gone from the list, kept in the audit log as codes', async () => {
    const car = vehicleClient(t.hub.url, await t.enroll('dl-car'));
    await car.deliver([{ type: 'nonsense', idempotencyKey: 'key-nonsense-01' }]);
    const list = await admin.call('GET', '/api/v1/admin/dead-letters');
    expect(list.status).toBe(200);
    const item = list.body.deadLetters.find((d: { vehicleId: string }) => d.vehicleId === 'dl-car');
    expect(item).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE', idempotencyKey: 'key-nonsense-01' });
    expect(item.reason).toMatch(/[ぁ-ん]/);
    expect(item.payload).toContain('nonsense');
    expect((await audits('dead_letters.read')).length).toBeGreaterThan(0);

    const resolved = await admin.call('POST', `/api/v1/admin/dead-letters/${item.id}/resolve`, { resolution: 'not_needed' });
    expect(resolved.status).toBe(200);
    const after = await admin.call('GET', '/api/v1/admin/dead-letters');
    expect(after.body.deadLetters.some((d: { id: number }) => d.id === item.id)).toBe(false);
    const twice = await admin.call('POST', `/api/v1/admin/dead-letters/${item.id}/resolve`, { resolution: 'not_needed' });
    expect(twice.status).toBe(404);
    expect(twice.body.message).toMatch(/処理済み/);
    const record = (await audits('dead_letter.resolve')).at(-1)!;
    expect(JSON.parse(record.detail)).toEqual({ deadLetterId: item.id, vehicleId: 'dl-car', code: 'UNKNOWN_MESSAGE_TYPE', key: 'key-nonsense-01', resolution: 'not_needed' });
  });
});

describe('admin: the audit log', () => {
  it('searches by request, person, actor, action and day, newest first, in pages, and audits the search', async () => {
    const car = vehicleClient(t.hub.url, await t.enroll('audit-car'));
    const mine = submitMessage({ input: { subject: { name: '平 架空子', kana: 'たいら かくうこ', birthDate: '1950-05-05', address: '福島県いわき市平字架空1' } } });
    const other = submitMessage();
    await car.deliver([mine, other]);
    expect((await approver.call('POST', `/api/v1/console/requests/${mine.requestId}/reject`, { reason: '確認のため' })).status).toBe(200);

    const byRequest = await admin.call('GET', `/api/v1/admin/audit?requestId=${mine.requestId}`);
    expect(byRequest.status).toBe(200);
    expect(byRequest.body.rows.map((r: { action: string }) => r.action)).toEqual(['request.rejected', 'request.relayed']);
    const byPerson = await admin.call('GET', `/api/v1/admin/audit?person=${encodeURIComponent('架空子')}`);
    expect(new Set(byPerson.body.rows.map((r: { requestId: string }) => r.requestId))).toEqual(new Set([mine.requestId]));
    // Spaces do not matter: 「平架空子」 finds 「平 架空子」.
    const unspaced = await admin.call('GET', `/api/v1/admin/audit?person=${encodeURIComponent('平架空子')}`);
    expect(new Set(unspaced.body.rows.map((r: { requestId: string }) => r.requestId))).toEqual(new Set([mine.requestId]));
    const byKana = await admin.call('GET', `/api/v1/admin/audit?person=${encodeURIComponent('たいら')}&action=request.rejected`);
    expect(byKana.body.rows).toHaveLength(1);
    expect(byKana.body.rows[0]).toMatchObject({ actor: approverCredentials.operatorId, requestId: mine.requestId });
    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
    const byDay = await admin.call('GET', `/api/v1/admin/audit?actor=admin&day=${today}&limit=3`);
    expect(byDay.body.rows).toHaveLength(3);
    expect(byDay.body.rows.every((r: { actor: string }) => r.actor === 'admin')).toBe(true);
    const seqs = byDay.body.rows.map((r: { seq: number }) => r.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    const next = await admin.call('GET', `/api/v1/admin/audit?actor=admin&day=${today}&limit=3&before=${byDay.body.nextCursor}`);
    expect(next.body.rows[0].seq).toBeLessThan(seqs[2]);
    expect((await admin.call('GET', '/api/v1/admin/audit?day=2001-01-01')).body).toEqual({ rows: [], nextCursor: null });

    const reads = (await audits('audit.read')).map((a) => a.detail);
    expect(reads.some((d) => JSON.parse(d).byPerson === true)).toBe(true);
    // The name searched for is personal data: not in the audit log.
    expect(reads.join()).not.toContain('架空子');
  });
});

describe('admin changes and CSRF', () => {
  it('refuses a change without the session\'s CSRF token or from another site, and changes nothing', async () => {
    const calls: [string, unknown][] = [
      ['/api/v1/admin/operators/consult-1/active', { active: false }],
      ['/api/v1/admin/operators/consult-1/password', {}],
      ['/api/v1/admin/vehicles/no-such-car/revoke', { confirm: 'no-such-car' }],
    ];
    for (const [path, body] of calls) {
      const noToken = await admin.call('POST', path, body, { csrf: false });
      expect(noToken.status, path).toBe(403);
      expect(noToken.body.code).toBe('CSRF_REJECTED');
      const otherSite = await admin.call('POST', path, body, { headers: { origin: 'https://evil.example' } });
      expect(otherSite.body.code).toBe('CSRF_REJECTED');
    }
    expect((await t.hub.store.transaction((tx) => tx.getOperator('consult-1')))!.active).toBe(true);
  });
});

describe('admin routes for other roles', () => {
  it('refuses every admin call to each other role with 403', async () => {
    const calls: [string, string, unknown][] = [
      ['GET', '/api/v1/admin/vehicles', undefined],
      ['POST', '/api/v1/admin/vehicles/admin-car-1/revoke', { confirm: 'admin-car-1' }],
      ['GET', '/api/v1/admin/operators', undefined],
      ['POST', '/api/v1/admin/operators', { id: 'intruder', displayName: '侵入', role: 'admin', password: 'long-enough-password' }],
      ['POST', '/api/v1/admin/operators/consult-1/role', { role: 'admin' }],
      ['POST', '/api/v1/admin/operators/consult-1/active', { active: false }],
      ['POST', '/api/v1/admin/operators/consult-1/password', {}],
      ['GET', '/api/v1/admin/dead-letters', undefined],
      ['POST', '/api/v1/admin/dead-letters/1/resolve', { resolution: 'resent' }],
      ['GET', '/api/v1/admin/audit', undefined],
    ];
    for (const id of ['shomei-2', 'consult-1', 'haisha-1', 'kikaku-1']) {
      const who = operatorClient(t.hub.url, t.hub.caCert);
      expect((await who.signIn(id, id === 'shomei-2' ? 'first-password-123' : password)).status).toBe(200);
      for (const [method, path, body] of calls) {
        const res = await who.call(method, path, body);
        expect(res.status, `${id} ${method} ${path}`).toBe(403);
        expect(res.body.message).toMatch(/管理者/);
      }
    }
    expect((await t.hub.store.transaction((tx) => tx.getOperator('intruder')))).toBeUndefined();
  });
});
