// 日計表 at city hall in real Chromium against a real hub: a vehicle delivers two outing records with
// their daily closes (one short by 100 yen, with its reason); the admin opens the 日計表 section of the records, sees each
// close with its difference and reason and the month's fees by kind and method; another month is empty.
// An operator (証明書担当) has no way there, and the hub refuses them the closes.
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server/data-dir';
import { CONSOLE_API } from '../../protocol/console-api';
import type { MoneyLine } from '../../protocol/daily-close';
import { launchChromium, shot } from '../support/browser';
import { makeClose } from '../support/daily-close';
import { adminCredentials, consoleDist, operatorClient, startTestHub, vehicleClient, type TestHub } from '../support/hub';

const clerk = { id: 'O0001', displayName: '窓口 一郎', password: 'operator-password-for-tests' };

let t: TestHub;
let browser: Browser;
let page: Page;

function record(n: number, date: string, lines: MoneyLine[], counted: Parameters<typeof makeClose>[0]['counted'], reason: string | null, terminalTotals = {}) {
  const outingId = `outing-e2e-000${n}`;
  const endedAt = `${date}T07:00:00.000Z`;
  return {
    type: 'outing.record', idempotencyKey: `key-e2e-close-000${n}`, outingId, date, kind: 'patrol', place: '川前', staff: ['S0001'],
    startedAt: `${date}T00:30:00.000Z`, endedAt, people: [], explained: 0, sales: [],
    close: makeClose({ outingId, closedAt: endedAt, closedBy: 'S0001', lines, counted: counted ?? {}, reason, terminalTotals }),
  };
}

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist });
  await addOperator(t.hub.store, { id: clerk.id, displayName: clerk.displayName, role: 'operator', password: clerk.password, actor: 'test' });
  const vehicle = vehicleClient(t.hub.url, await t.enroll('vehicle-north-1'));
  const delivered = await vehicle.deliver([
    record(1, '2026-11-24', [
      { kind: 'fee', item: 'juminhyo', quantity: 2, method: 'cash', amountYen: 600, tenderedYen: 1000, changeYen: 400, sourceId: 'request-e2e-01' },
      { kind: 'fee', item: 'inkan', quantity: 1, method: 'qr_code', amountYen: 300, tenderedYen: null, changeYen: 0, sourceId: 'request-e2e-02' },
      { kind: 'goods', item: '粗大ごみ処理券', quantity: 1, method: 'cash', amountYen: 700, tenderedYen: 1000, changeYen: 300, sourceId: 'sale-e2e-0001' },
      { kind: 'refund', item: 'juminhyo', quantity: 1, method: 'cash', amountYen: 300, tenderedYen: null, changeYen: 0, sourceId: 'request-e2e-03' },
    ], { 500: 1, 100: 4 }, 'おつりを100円多く渡した', { qr_code: 300 }),
    record(2, '2026-11-26', [
      { kind: 'fee', item: 'nozei', quantity: 1, method: 'credit_card', amountYen: 300, tenderedYen: null, changeYen: 0, sourceId: 'request-e2e-04' },
    ], {}, null, { credit_card: 300 }),
  ]);
  expect(delivered.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied']);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
  page = await context.newPage();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the 日計表 panel of the console', () => {
  it('shows a month’s closes with their difference and reason, and the month’s fees by kind and method', async () => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
    await page.goto(`${t.hub.url}/`);
    await page.getByLabel('職員番号').fill(adminCredentials.operatorId);
    await page.getByLabel('パスワード').fill(adminCredentials.password);
    await page.getByRole('button', { name: 'サインイン' }).click();
    // The closes sit beside the records report, for planning staff and admins.
    await page.getByRole('button', { name: '実績へ' }).click();
    await page.getByRole('button', { name: '日計表・手数料' }).click();
    await page.getByLabel('月').selectOption('2026-11');

    const panel = page.getByTestId('closes-panel');
    const short = panel.locator('tr[data-outing="outing-e2e-0001"]');
    await short.waitFor();
    expect(await short.locator('td.diff').textContent()).toBe('−100円');
    await short.getByText('おつりを100円多く渡した').waitFor();
    expect(await panel.locator('tr[data-outing="outing-e2e-0002"] td.diff').textContent()).toBe('0円');

    const summary = panel.getByTestId('fee-summary');
    const row = (kind: string, method: string) => summary.locator(`tbody tr[data-kind=${kind}][data-method=${method}]`);
    expect(await row('fee', 'cash').locator('td').allTextContents()).toEqual(['手数料', '住民票の写し', '現金', '1件', '2', '600円']);
    expect(await row('fee', 'qr_code').locator('td').nth(1).textContent()).toBe('印鑑登録証明書');
    expect(await row('goods', 'cash').locator('td').last().textContent()).toBe('700円');
    expect(await row('refund', 'cash').locator('td').last().textContent()).toBe('−300円');
    expect(await summary.locator('tfoot tr[data-total-method=cash] td').last().textContent()).toBe('1,300円（返金 −300円）');
    await shot(page, 'console-closes');

    await page.getByLabel('月').selectOption('2026-10');
    await panel.getByText('2026-10 の締めはまだありません。').waitFor();
    expect(errors).toEqual([]);
  });

  it('is for the roles allowed to see closes only: an operator has no tab and the hub refuses them', async () => {
    const clerkClient = operatorClient(t.hub.url, t.hub.caCert);
    expect((await clerkClient.signIn(clerk.id, clerk.password)).status).toBe(200);
    expect((await clerkClient.call('GET', `${CONSOLE_API.records.closes}?month=2026-11`)).status).toBe(403);
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    expect((await admin.call('GET', `${CONSOLE_API.records.closes}?month=2026-11`)).status).toBe(200);
    expect((await admin.call('GET', `${CONSOLE_API.records.closes}?month=11-2026`)).body).toMatchObject({ code: 'BAD_MONTH' });

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
    const clerkPage = await context.newPage();
    await clerkPage.goto(`${t.hub.url}/`);
    await clerkPage.getByLabel('職員番号').fill(clerk.id);
    await clerkPage.getByLabel('パスワード').fill(clerk.password);
    await clerkPage.getByRole('button', { name: 'サインイン' }).click();
    await clerkPage.getByRole('button', { name: /承認待ち/ }).waitFor();
    expect(await clerkPage.getByRole('button', { name: '実績へ' }).count()).toBe(0);
    expect(await clerkPage.getByRole('button', { name: '日計表・手数料' }).count()).toBe(0);
    await context.close();
  });
});
