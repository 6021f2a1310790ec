import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server';
import { adminCredentials, approverCredentials, httpsCall, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  await addOperator(t.hub.store, { id: 'consult-1', displayName: '相談 花子', role: 'consultant', password: 'consultant-password-1', actor: 'test' });
});
afterAll(async () => t.stop());

describe('operator sign-in and sessions', () => {
  it('sets a Secure, HttpOnly, SameSite=Strict session cookie and audits sign-in', async () => {
    const res = await httpsCall(`${t.hub.url}/api/v1/console/session`, { body: adminCredentials, tls: { ca: t.hub.caCert } });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-odekake_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(res.body).toMatchObject({ operatorId: 'admin', role: 'admin' });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const rows = await t.hub.store.transaction((tx) => tx.listAudit({ action: 'operator.sign_in' }));
    expect(rows.length).toBeGreaterThan(0);
  });

  it('refuses a wrong password and an unknown id the same way, and never stores the password', async () => {
    const op = operatorClient(t.hub.url, t.hub.caCert);
    const wrong = await op.signIn('admin', 'not-the-password');
    const nobody = await op.signIn('nobody', 'not-the-password');
    expect([wrong.status, nobody.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(nobody.body);
    expect(wrong.body.code).toBe('SIGN_IN_FAILED');
    const audit = await t.hub.store.transaction((tx) => tx.listAudit({}));
    expect(JSON.stringify(audit)).not.toContain('not-the-password');
    expect(JSON.stringify(audit)).not.toContain(adminCredentials.password);
  });

  it('refuses a state-changing call without the CSRF token, with a wrong one, or from another origin', async () => {
    const m = submitMessage();
    const car = await t.enroll('csrf-car');
    await vehicleClient(t.hub.url, car).deliver([m]);
    const op = operatorClient(t.hub.url, t.hub.caCert);
    await op.signIn(approverCredentials.operatorId, approverCredentials.password);
    const path = `/api/v1/console/requests/${m.requestId}/reject`;
    const noToken = await op.call('POST', path, { reason: '理由' }, { csrf: false });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe('CSRF_REJECTED');
    const badToken = await op.call('POST', path, { reason: '理由' }, { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(badToken.body.code).toBe('CSRF_REJECTED');
    const otherSite = await op.call('POST', path, { reason: '理由' }, { headers: { origin: 'https://evil.example' } });
    expect(otherSite.body.code).toBe('CSRF_REJECTED');
    expect((await t.hub.store.transaction((tx) => tx.getRequest(m.requestId)))!.step).toBe('relayed');
    const ok = await op.call('POST', path, { reason: '請求者の確認が必要です' });
    expect(ok.status).toBe(200);
  });

  it('refuses routes outside the role, and everything without a session', async () => {
    const consultant = operatorClient(t.hub.url, t.hub.caCert);
    expect((await consultant.signIn('consult-1', 'consultant-password-1')).status).toBe(200);
    const queue = await consultant.call('GET', '/api/v1/console/queue');
    expect(queue.status).toBe(403);
    expect(queue.body.code).toBe('FORBIDDEN_ROLE');
    expect(queue.body.message).toMatch(/証明書担当の職員だけ/);
    const m = submitMessage();
    await vehicleClient(t.hub.url, await t.enroll('role-car')).deliver([m]);
    const approve = await consultant.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, {});
    expect(approve.body.code).toBe('FORBIDDEN_ROLE');
    expect((await consultant.call('GET', '/api/v1/admin/dead-letters')).body.code).toBe('FORBIDDEN_ROLE');
    expect((await consultant.call('GET', '/api/v1/console/session')).status).toBe(200);

    const anonymous = operatorClient(t.hub.url, t.hub.caCert);
    const res = await anonymous.call('GET', '/api/v1/console/queue');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('NOT_SIGNED_IN');
    expect((await anonymous.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, {})).status).toBe(401);
    expect((await t.hub.store.transaction((tx) => tx.getRequest(m.requestId)))!.step).toBe('relayed');
  });

  it('ends the session on sign-out', async () => {
    const op = operatorClient(t.hub.url, t.hub.caCert);
    await op.signIn(approverCredentials.operatorId, approverCredentials.password);
    const cookie = op.cookie;
    expect((await op.call('DELETE', '/api/v1/console/session')).status).toBe(200);
    const reuse = await httpsCall(`${t.hub.url}/api/v1/console/queue`, { headers: { cookie }, tls: { ca: t.hub.caCert } });
    expect(reuse.status).toBe(401);
  });

  it('lets an admin see dead letters; a refused approval of an unmatched resident says what to do', async () => {
    const car = vehicleClient(t.hub.url, await t.enroll('dl-car'));
    const m = submitMessage({ input: { subject: { name: '架空 存在', kana: 'かくう そんざい', birthDate: '1960-02-29', address: 'いわき市' } } });
    await car.deliver([m, { type: 'nonsense', idempotencyKey: 'key-nonsense-01' }]);
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    const dl = await admin.call('GET', '/api/v1/admin/dead-letters');
    expect(dl.body.deadLetters.some((d: { code: string; vehicleId: string }) => d.code === 'UNKNOWN_MESSAGE_TYPE' && d.vehicleId === 'dl-car')).toBe(true);
    const approver = operatorClient(t.hub.url, t.hub.caCert);
    await approver.signIn(approverCredentials.operatorId, approverCredentials.password);
    const refused = await approver.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'REGISTRY_NO_MATCH' });
    expect(refused.body.message).toMatch(/質問を送って/);
  });

  it('keeps the admin, who creates accounts, out of certificate decisions and the queue; every queue view is audited', async () => {
    const car = vehicleClient(t.hub.url, await t.enroll('l1-car'));
    const m = submitMessage();
    await car.deliver([m]);
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    for (const [method, path, body] of [
      ['GET', '/api/v1/console/queue', undefined],
      ['GET', `/api/v1/console/requests/${m.requestId}`, undefined],
      ['POST', `/api/v1/console/requests/${m.requestId}/approve`, {}],
      ['POST', `/api/v1/console/requests/${m.requestId}/reject`, { reason: '書類不備' }],
    ] as const) {
      const res = await admin.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN_ROLE');
    }
    const approver = operatorClient(t.hub.url, t.hub.caCert);
    await approver.signIn(approverCredentials.operatorId, approverCredentials.password);
    const queue = await approver.call('GET', '/api/v1/console/queue');
    expect(queue.status).toBe(200);
    const views = await t.hub.store.transaction((tx) => tx.listAudit({ action: 'personal.read_queue' }));
    expect(views.at(-1)).toMatchObject({ actor: approverCredentials.operatorId });
    expect(JSON.parse(views.at(-1)!.detail ?? '{}')).toEqual({ requests: queue.body.requests.length });
  });
});
