// The certificate queue with a few hundred requests, in real Chromium against a real hub: pages of
// fifty, search and filters, moving with the keys, and new arrivals announced as 「新着 N件」 without the
// list moving or the selected request changing under the clerk.
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server';
import { accessibilityProblems } from '../support/axe';
import { launchChromium, shot } from '../support/browser';
import { approverCredentials, consoleDist, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let carA: VehicleTls;
let carB: VehicleTls;
let browser: Browser;
let page: Page;
const clerk = { operatorId: 'shomei-1', password: 'operator-password-1' };

async function relay(car: VehicleTls, messages: ReturnType<typeof submitMessage>[]): Promise<void> {
  const client = vehicleClient(t.hub.url, car);
  for (let i = 0; i < messages.length; i += 100) {
    const res = await client.deliver(messages.slice(i, i + 100));
    expect(res.body.results.every((r: { status: string }) => r.status === 'applied')).toBe(true);
  }
}

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist });
  await addOperator(t.hub.store, { id: clerk.operatorId, displayName: '証明 一郎', role: 'operator', password: clerk.password, actor: 'test' });
  carA = await t.enroll('iwaki-car-1');
  carB = await t.enroll('iwaki-car-2');
  await relay(carA, Array.from({ length: 200 }, (_, i) => ({
    ...submitMessage({ number: `A-${String(i + 1).padStart(3, '0')}`, ...(i % 4 === 3 ? { input: { kind: 'inkan', juminhyo: undefined } } : {}) }),
    day: i < 100 ? '2026-11-24' : '2026-11-25',
  })));
  await relay(carB, Array.from({ length: 60 }, (_, i) => submitMessage({ number: `B-${String(i + 1).padStart(3, '0')}` })));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
  page = await context.newPage();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const count = () => page.getByTestId('queue-count');
const selectedNumber = () => page.locator('tr[aria-selected="true"] td').first().textContent();

describe('the certificate queue with hundreds of requests', () => {
  it('pages, searches, filters, moves with the keys, and keeps its place when new requests arrive', async () => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && errors.push(m.text()));
    await page.goto(`${t.hub.url}/`);
    await page.getByLabel('職員番号').fill(clerk.operatorId);
    await page.getByLabel('パスワード').fill(clerk.password);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await count().getByText('1〜50件目／全260件').waitFor();
    await page.getByRole('button', { name: '承認待ち（260）' }).waitFor();
    await expect(page.locator('tr[data-row-id]').count()).resolves.toBe(50);
    // The first request opens by itself.
    await page.locator('[data-request-id]').getByText('A-001').waitFor();

    // Keys: click a row, then ↓ twice and ↑ once.
    await page.locator('tr[data-row-id]').filter({ hasText: 'A-040' }).click();
    await page.getByTestId('queue-list').press('ArrowDown');
    await page.getByTestId('queue-list').press('ArrowDown');
    await page.getByTestId('queue-list').press('ArrowUp');
    await page.locator('[data-request-id]').getByText('A-041').waitFor();
    await expect(selectedNumber()).resolves.toBe('A-041');
    const scrolled = await page.getByTestId('queue-list').evaluate((el) => el.scrollTop);
    expect(scrolled).toBeGreaterThan(0);
    await shot(page, 'queue-01-page-one');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);

    // Three arrive while the clerk works: counted, not inserted; nothing moves.
    await relay(carB, [submitMessage({ number: 'B-061' }), submitMessage({ number: 'B-062' }), submitMessage({ number: 'B-063' })]);
    await page.getByTestId('queue-fresh').getByText('新着 3件').waitFor();
    await expect(selectedNumber()).resolves.toBe('A-041');
    await expect(page.getByTestId('queue-list').evaluate((el) => el.scrollTop)).resolves.toBe(scrolled);
    await expect(page.locator('tr[data-row-id] td:first-child').first().textContent()).resolves.toBe('A-001');
    await count().getByText('全260件').waitFor();
    await shot(page, 'queue-02-fresh');
    await page.getByTestId('queue-fresh').click();
    await count().getByText('1〜50件目／全263件').waitFor();
    await expect(page.getByTestId('queue-fresh').count()).resolves.toBe(0);
    await expect(selectedNumber()).resolves.toBe('A-041');

    // Another 証明書担当 rejects the request open here: it leaves the list, but the screen does not jump
    // to another request under the clerk; it says what happened and offers no decision.
    const colleague = operatorClient(t.hub.url, t.hub.caCert);
    await colleague.signIn(approverCredentials.operatorId, approverCredentials.password);
    const open = await page.locator('[data-request-id]').getAttribute('data-request-id');
    expect((await colleague.call('POST', `/api/v1/console/requests/${open}/reject`, { reason: '重複した請求のため' })).status).toBe(200);
    await page.locator('[data-request-id]').getByText('この請求は一覧から外れました').waitFor();
    await count().getByText('1〜50件目／全262件').waitFor();
    await expect(page.locator('[data-request-id]').getByText('A-041').count()).resolves.toBe(1);
    await expect(page.locator('[data-request-id]').getByRole('button', { name: '承認して印刷へ送る' }).count()).resolves.toBe(0);
    await expect(page.locator(`tr[data-row-id="${open}"]`).count()).resolves.toBe(0);
    await shot(page, 'queue-02b-decided-elsewhere');
    // ↓ goes on from where it stood: the request after it.
    await page.getByTestId('queue-list').press('ArrowDown');
    await page.locator('[data-request-id]').getByText('A-042').waitFor();
    await expect(selectedNumber()).resolves.toBe('A-042');

    // Pages: the keys and the buttons.
    await page.getByTestId('queue-list').press('PageDown');
    await count().getByText('51〜100件目／全262件').waitFor();
    await page.getByRole('button', { name: '次の50件 →' }).click();
    await count().getByText('101〜150件目／全262件').waitFor();
    // One request of the first page was decided: the second page starts one later.
    await expect(page.locator('tr[data-row-id] td:first-child').first().textContent()).resolves.toBe('A-102');
    await page.getByRole('button', { name: '← 前の50件' }).click();
    await count().getByText('51〜100件目／全262件').waitFor();
    await expect(page.locator('tr[data-row-id] td:first-child').first().textContent()).resolves.toBe('A-052');

    // Search: a vehicle, then a day and a kind together, then a 受付番号.
    const search = page.getByRole('search', { name: '請求の検索' });
    await search.getByLabel('車両').fill('iwaki-car-2');
    await search.getByRole('button', { name: '検索' }).click();
    await count().getByText('1〜50件目／全63件').waitFor();
    await expect(page.locator('tr[data-row-id] td:first-child').first().textContent()).resolves.toBe('B-001');
    await search.getByRole('button', { name: '条件を消す' }).click();
    await count().getByText('全262件').waitFor();
    await search.getByLabel('受付日').fill('2026-11-25');
    await search.getByLabel('証明書').selectOption('inkan');
    await search.getByRole('button', { name: '検索' }).click();
    await count().getByText('1〜25件目／全25件').waitFor();
    await expect(page.locator('tr[data-row-id]').filter({ hasText: '住民票' }).count()).resolves.toBe(0);
    await shot(page, 'queue-03-filtered');
    await search.getByRole('button', { name: '条件を消す' }).click();
    await search.getByLabel('受付番号').fill('A-19');
    await search.getByLabel('受付番号').press('Enter');
    await count().getByText('1〜10件目／全10件').waitFor();
    await page.locator('[data-request-id]').getByText('A-190').waitFor();

    // Other steps: none approved yet; すべて shows every step with its own column.
    await search.getByLabel('段階').selectOption('approved');
    await search.getByRole('button', { name: '検索' }).click();
    await count().getByText('該当なし').waitFor();
    await page.getByText('この条件に合う請求はありません。').waitFor();
    expect(errors).toEqual([]);
  });
});
