// The certificate console's queue over a few hundred relayed requests (search, filters, cursor paging,
// what arrived since) and the certificate preview: page images of the very PDF the approval issues.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server';
import { hubPaths } from '../../hub/server/data-dir';
import { documentContext, ensureHubDataKey } from '../../hub/server/sealing';
import { adminCredentials, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub } from '../support/hub';

let t: TestHub;
const password = 'operator-password-1';
let clerk: ReturnType<typeof operatorClient>;
let carA: Awaited<ReturnType<TestHub['enroll']>>;

/** Relays `n` requests from a vehicle, in batches as its outbox would send them. */
async function relay(car: Awaited<ReturnType<TestHub['enroll']>>, messages: ReturnType<typeof submitMessage>[]): Promise<void> {
  const client = vehicleClient(t.hub.url, car);
  for (let i = 0; i < messages.length; i += 100) {
    const res = await client.deliver(messages.slice(i, i + 100));
    expect(res.status).toBe(200);
    expect(res.body.results.every((r: { status: string }) => r.status === 'applied')).toBe(true);
  }
}

beforeAll(async () => {
  t = await startTestHub({ cityPorts: true });
  await addOperator(t.hub.store, { id: 'shomei-1', displayName: '証明 一郎', role: 'operator', password, actor: 'test' });
  await addOperator(t.hub.store, { id: 'consult-1', displayName: '相談 花子', role: 'consultant', password, actor: 'test' });
  clerk = operatorClient(t.hub.url, t.hub.caCert);
  expect((await clerk.signIn('shomei-1', password)).status).toBe(200);
  carA = await t.enroll('queue-car-a');
  const carB = await t.enroll('queue-car-b');
  // 240 from car A over two days (every third an 印鑑登録証明書), 60 from car B.
  await relay(carA, Array.from({ length: 240 }, (_, i) => ({
    ...submitMessage({ number: `A-${String(i + 1).padStart(3, '0')}`, ...(i % 3 === 2 ? { input: { kind: 'inkan', juminhyo: undefined } } : {}) }),
    day: i < 120 ? '2026-11-24' : '2026-11-25',
  })));
  await relay(carB, Array.from({ length: 60 }, (_, i) => submitMessage({ number: `B-${String(i + 1).padStart(3, '0')}` })));
}, 120_000);
afterAll(async () => t?.stop());

const query = (params: Record<string, string | number>) => clerk.call('GET', `/api/v1/console/queue?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`);

describe('the queue: search, filters and paging', () => {
  it('pages through every waiting request once, oldest first, with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await query({ limit: 50, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(300);
      expect(res.body.requests.length).toBeLessThanOrEqual(50);
      seen.push(...res.body.requests.map((r: { number: string }) => r.number));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(300);
    expect(seen.slice(0, 3)).toEqual(['A-001', 'A-002', 'A-003']);
    expect(seen.at(-1)).toBe('B-060');
  });

  it('filters by vehicle, day, kind, step and the start of the 受付番号', async () => {
    expect((await query({ vehicle: 'queue-car-b' })).body.total).toBe(60);
    expect((await query({ day: '2026-11-25' })).body.total).toBe(120);
    expect((await query({ kind: 'inkan' })).body.total).toBe(80);
    expect((await query({ kind: 'inkan', day: '2026-11-24', vehicle: 'queue-car-a' })).body.total).toBe(40);
    const byNumber = await query({ number: 'A-12' });
    expect(byNumber.body.requests.map((r: { number: string }) => r.number)).toEqual(['A-120', 'A-121', 'A-122', 'A-123', 'A-124', 'A-125', 'A-126', 'A-127', 'A-128', 'A-129']);
    expect((await query({ step: 'approved' })).body.total).toBe(0);
    expect((await query({ step: 'all', vehicle: 'queue-car-b', limit: 5 })).body).toMatchObject({ total: 60, requests: expect.any(Array) });
  });

  it('counts what arrived after a read, so the console can offer 新着 without moving the list', async () => {
    const first = await query({ limit: 10 });
    await relay(carA, [submitMessage({ number: 'N-001' }), submitMessage({ number: 'N-002' })]);
    const since = await query({ receivedAfter: first.body.asOf, limit: 1 });
    expect(since.body.total).toBe(2);
    // The first page is the same ten requests it was.
    const again = await query({ limit: 10 });
    expect(again.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual(first.body.requests.map((r: { requestId: string }) => r.requestId));
  });

  it('refuses a malformed query with the field named in Japanese', async () => {
    for (const [params, field] of [
      [{ limit: 1000 }, '件数（limit）'],
      [{ day: '24/11/2026' }, '受付日（day）'],
      [{ step: 'nonsense' }, '段階（step）'],
      [{ kind: 'passport' }, '証明書の種類'],
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'ページの指定（cursor）'],
      [{ vehicle: 'car a' }, '車両（vehicle）'],
    ] as const) {
      const res = await query(params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.message).toContain(field);
    }
  });

  it('is refused to roles that do not decide certificates', async () => {
    const consultant = operatorClient(t.hub.url, t.hub.caCert);
    await consultant.signIn('consult-1', password);
    const res = await consultant.call('GET', '/api/v1/console/queue?limit=5');
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/証明書担当/);
  });
});

describe('the certificate preview', () => {
  it('shows the pages of the PDF the approval then issues, byte for byte, audited and never cached', async () => {
    const m = submitMessage({ number: 'P-001' });
    await relay(carA, [m]);
    const preview = await clerk.call('GET', `/api/v1/console/requests/${m.requestId}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers['cache-control']).toBe('no-store');
    expect(preview.body.pages.length).toBeGreaterThanOrEqual(1);
    const png = Buffer.from(preview.body.pages[0].png, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // A4 at 120 dpi.
    expect(preview.body.pages[0]).toMatchObject({ width: 993, height: 1404 });
    const audits = await t.hub.store.transaction((tx) => tx.listAudit({ requestId: m.requestId, action: 'personal.read' }));
    expect(audits.map((a) => JSON.parse(a.detail))).toContainEqual({ view: 'certificate_preview' });
    expect(audits.find((a) => a.detail.includes('certificate_preview'))!.actor).toBe('shomei-1');

    const approved = await clerk.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, { preview: { issuedAt: preview.body.issuedAt, sha256: preview.body.sha256 } });
    expect(approved.status).toBe(200);
    expect(approved.body.serial).toBe(preview.body.serial);
    const document = await t.hub.store.transaction((tx) => tx.getDocumentForRequest(m.requestId));
    expect(document!.sha256).toBe(preview.body.sha256);
    // documents.pdf holds it sealed with the hub's data key.
    const opened = ensureHubDataKey(hubPaths(t.dataDir).dataKey).open(documentContext(document!.id), document!.pdf);
    expect(createHash('sha256').update(opened).digest('hex')).toBe(preview.body.sha256);
    const job = (await vehicleClient(t.hub.url, carA).inbox(0, 100)).body.messages.map((e: { body: { type: string; requestId?: string } }) => e.body)
      .find((b: { type: string; requestId?: string }) => b.type === 'print_job' && b.requestId === m.requestId);
    expect(createHash('sha256').update(Buffer.from(job.pdfBase64, 'base64')).digest('hex')).toBe(preview.body.sha256);
  });

  it('refuses an approval whose preview does not match, or is from another day', async () => {
    const m = submitMessage({ number: 'P-002' });
    await relay(carA, [m]);
    const preview = (await clerk.call('GET', `/api/v1/console/requests/${m.requestId}/preview`)).body;
    const changed = await clerk.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, { preview: { issuedAt: preview.issuedAt, sha256: 'a'.repeat(64) } });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ code: 'CERTIFICATE_CHANGED' });
    const yesterday = new Date(Date.parse(preview.issuedAt) - 86_400_000).toISOString();
    const stale = await clerk.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, { preview: { issuedAt: yesterday, sha256: preview.sha256 } });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('PREVIEW_STALE');
    const malformed = await clerk.call('POST', `/api/v1/console/requests/${m.requestId}/approve`, { preview: { issuedAt: 'today', sha256: preview.sha256 } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('見本');
    expect((await t.hub.store.transaction((tx) => tx.getRequest(m.requestId)))!.step).toBe('relayed');
  });

  it('is for the 証明書担当 only, and names what is wrong in Japanese', async () => {
    const m = submitMessage({ number: 'P-003' });
    await relay(carA, [m]);
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    const consultant = operatorClient(t.hub.url, t.hub.caCert);
    await consultant.signIn('consult-1', password);
    for (const who of [admin, consultant]) {
      const res = await who.call('GET', `/api/v1/console/requests/${m.requestId}/preview`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN_ROLE');
    }
    const bad = await clerk.call('GET', '/api/v1/console/requests/not%20an%20id/preview');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('受付の番号が正しくありません。');
    const unknown = await clerk.call('GET', '/api/v1/console/requests/no-such-request-1/preview');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/見つかりません/);
  });
});
