// The city's planning staff (企画担当) read the records in the console: 令和4年度, imported from the
// city's printed table, shows that table — every place of 地区定期巡回, the other kinds, the totals, 59 runs
// and 296 people served — and its summary lines; an invented month-by-month year shows the hub's charts
// drawn; a month range narrows the table; the CSV downloads, in UTF-8 and, from the keyboard, in
// Shift_JIS. In real Chromium against a real hub, with
// screenshots of the page and the chart PNG saved to look at.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { addOperator } from '../../hub/server/data-dir';
import { parseCsv } from '../../hub/server/csv';
import { importRecordsCsv } from '../../hub/server/records';
import { launchChromium, screenshotDir, shot } from '../support/browser';
import { projectRoot } from '../support/fixtures';
import { consoleDist, startTestHub, type TestHub } from '../support/hub';
import { inventedMonthlyYear } from '../support/records';

const planner = { id: 'K0001', displayName: '企画 花子', password: 'planning-password-for-tests' };
const clock = new ManualClock(new Date('2026-11-25T01:00:00.000Z'));


let t: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist, clock });
  await addOperator(t.hub.store, { id: planner.id, displayName: planner.displayName, role: 'planning', password: planner.password, actor: 'test' }, clock);
  const at = clock.now().toISOString();
  await importRecordsCsv(t.hub.store, { text: readFileSync(join(projectRoot, 'fixtures', 'records', 'r4.csv'), 'utf8'), by: 'test', at });
  await importRecordsCsv(t.hub.store, { text: inventedMonthlyYear(), by: 'test', at });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true, acceptDownloads: true });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The cells of the table's body, row by row, as read on screen. */
const tableRows = () =>
  page.locator('table.records tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())));

/** Whether each chart <img> has loaded and has a drawn size. */
const chartsDrawn = () => page.locator('figure.chart img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth));

describe("planning staff's records page", () => {
  it("shows 令和4年度 as the city's table, the charts of a month-by-month year, a month range, and downloads the CSV", async () => {
    const errors: string[] = [];
    // 401 answers the check for a session before sign-in.
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));

    await page.goto(`${t.hub.url}/`);
    await page.getByLabel('職員番号').fill(planner.id);
    await page.getByLabel('パスワード').fill(planner.password);
    await page.getByRole('button', { name: 'サインイン' }).click();

    // The hub's today is in 令和8年度: the page opens on it, with nothing recorded yet.
    await page.getByRole('heading', { name: '行政 MaaS 令和8年度実績' }).waitFor();
    await page.getByText('この期間の実績はまだありません。').waitFor();
    await page.getByText('企画 花子（企画担当）').waitFor();

    // 令和4年度 from the keyboard-usable select, by its Japanese name.
    await page.getByLabel('年度', { exact: true }).selectOption({ label: '令和4年度（2022年度）' });
    await page.getByRole('heading', { name: '行政 MaaS 令和4年度実績' }).waitFor();
    expect(await tableRows()).toEqual([
      ['地区定期巡回', '川前', '5回', '0人', '5人', '1人', '12人', '9人', '27人', '-'],
      ['久之浜・大久', '6回', '2人', '30人', '-', '8人', '14人', '54人', '-'],
      ['田人', '6回', '0人', '1人', '0人', '8人', '14人', '23人', '-'],
      ['中央台', '5回', '1人', '8人', '-', '3人', '10人', '22人', '-'],
      ['計', '22回', '3人', '44人', '1人', '31人', '47人', '126人', '-'],
      ['予約訪問', '', '9回', '-', '-', '-', '5人', '104人', '109人', '20人'],
      ['り災証明書出張申請受付', '', '18回', '-', '-', '-', '-', '-', '61人', '-'],
      ['その他', '', '10回', '-', '-', '-', '-', '-', '-', '746人'],
      ['合計', '59回', '3人', '44人', '1人', '36人', '151人', '296人', '766人'],
    ]);
    await page.getByText('■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)').waitFor();
    await page.getByText('■ サービス提供者数：296人').waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('figure.chart img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await shot(page, 'records-01-r4-table');

    // The CSV, as the browser downloads it: UTF-8 with a BOM, the table's 計 row.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /CSV（Excel 用）/ }).click()]);
    expect(download.suggestedFilename()).toBe('実績_2022年度.csv');
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseCsv(bytes.toString('utf8')).map((r) => r.fields)).toContainEqual(['合計', '', '59', '3', '44', '1', '36', '151', '296', '766']);
    await page.getByText('実績_2022年度.csv をダウンロードしました。').waitFor();

    // 令和5年度, recorded month by month: the two charts drawn by the hub, in the page.
    await page.getByLabel('年度', { exact: true }).selectOption({ label: '令和5年度（2023年度）' });
    await page.getByRole('heading', { name: '行政 MaaS 令和5年度実績' }).waitFor();
    await page.getByText('■ 運用回数：42回(巡回2地区：18回、予約訪問：24回)').waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('figure.chart img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    expect(await chartsDrawn()).toEqual([960, 960]);
    await expect(page.getByRole('img', { name: /月別 サービス提供者数.*のグラフ（令和5年度（2023年4月〜2024年3月））/ }).getAttribute('src')).resolves.toBe(
      '/api/v1/console/records/charts/services/image.svg?fiscalYear=2023',
    );
    await page.getByRole('heading', { name: '月別のグラフ' }).scrollIntoViewIfNeeded();
    await shot(page, 'records-02-r5-charts');

    // Months inside the year narrow the table and the charts.
    await page.getByLabel('始まりの月', { exact: true }).selectOption('2023-10');
    await page.getByLabel('終わりの月', { exact: true }).selectOption('2024-03');
    await page.getByRole('heading', { name: '行政 MaaS 実績（2023-10〜2024-03）' }).waitFor();
    await page.getByText('■ 運用回数：21回(巡回2地区：9回、予約訪問：12回)').waitFor();
    await page.getByText('表示中：令和5年度（2023年10月〜2024年3月）').waitFor();

    // From the keyboard alone: the year select steps to the next older year (the months go back to the
    // whole year), and the Shift_JIS CSV downloads from its focused button.
    await page.getByLabel('年度', { exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { name: '行政 MaaS 令和4年度実績' }).waitFor();
    await page.getByText('表示中：令和4年度（2022年4月〜2023年3月）').waitFor();
    await page.getByRole('button', { name: /CSV（Shift_JIS）/ }).focus();
    const [sjis] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(sjis.suggestedFilename()).toBe('実績_2022年度.csv');
    expect(parseCsv(iconv.decode(readFileSync((await sjis.path())!), 'cp932')).map((r) => r.fields)).toContainEqual(['合計', '', '59', '3', '44', '1', '36', '151', '296', '766']);

    // The chart PNG, saved to look at: the size the hub draws it at.
    const png = await page.request.get(`${t.hub.url}/api/v1/console/records/charts/services/image.png?fiscalYear=2023`);
    expect(png.status()).toBe(200);
    const image = PNG.sync.read(await png.body());
    expect([image.width, image.height]).toEqual([1920, 1040]);
    writeFileSync(join(screenshotDir, 'records-03-chart-services.png'), await png.body());

    expect(errors).toEqual([]);
  });
});
