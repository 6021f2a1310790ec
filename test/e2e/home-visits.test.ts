// A home visit (デマンド運行) from the first phone call to the dispatcher seeing it done, in real
// Chromium: a dispatcher books by phone in the console, a LINE booking arrives through the signed
// intake API, the dispatcher gives the day to the vehicle, the vehicle pulls its day and city hall goes
// away; staff open the visit, its pre-filled certificate request goes through the seven steps (printing
// once city hall is back), the visits' outcomes reach the hub, and the calendar shows the visit done.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntakeKey, addOperator } from '../../hub/server/data-dir';
import type { EscposEmulator } from '../../native/printer/escpos-emulator';
import { earliestBookableVisitDay, formatJapaneseDate } from '../../protocol/visit-calendar';
import { launchChromium, shot } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { approverCredentials, consoleDist, startTestHub, testVisitRules, type TestHub } from '../support/hub';
import { intakeRelay } from '../support/intake-relay';
import { startVehiclePrinters, type TestIppPrinter, type VehiclePrinters } from '../support/ippeveprinter';

const VEHICLE = 'vehicle-e2e-home';
const dispatcher = { id: 'D0100', displayName: '配車 一郎', password: 'dispatcher-password-for-tests' };
const rules = testVisitRules();
// The first north visit day still open for booking (the hub and the vehicle both run on the real clock).
const day = earliestBookableVisitDay(rules, 'north', new Date())!;
const dayLabel = formatJapaneseDate(day);

let tmp: ReturnType<typeof tempDir>;
let printerPair: VehiclePrinters;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub | null = null;
let hubPort: number;
let host: HostProcess;
let browser: Browser;
let desk: Page;
let staff: Page;
let resident: Page;

const cell = (label: string) => desk.locator(`[aria-label="${label}"]`);

beforeAll(async () => {
  tmp = tempDir();
  printerPair = await startVehiclePrinters(tmp.dir);
  ({ ipp, receipts: emulator } = printerPair);
  const printers = printerPair.configFile;

  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), consoleDir: consoleDist, cityPorts: true });
  hubPort = hub.hub.port;
  const enrollment = (await hub.enroll(VEHICLE)).dir;
  await addOperator(hub.hub.store, { id: dispatcher.id, displayName: dispatcher.displayName, role: 'dispatcher', password: dispatcher.password, actor: 'test' });

  host = await startHostProcess(join(tmp.dir, 'vehicle'), [
    '--printers', printers, '--hub-enrollment', enrollment, '--hub-url', hub.hub.url, '--hub-retry-max', '1000',
  ]);
  browser = await launchChromium();
  const viewport = { width: 1400, height: 1000 };
  desk = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true })).newPage();
  staff = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' })).newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await hub?.stop();
  await printerPair?.stop();
  tmp?.remove();
});

async function signInConsole(page: Page, who: { operatorId: string; password: string }) {
  await page.goto(`${hub!.hub.url}/`);
  await page.getByLabel('職員番号').fill(who.operatorId);
  await page.getByLabel('パスワード').fill(who.password);
  await page.getByRole('button', { name: 'サインイン' }).click();
}

/** The dispatcher's calendar moved on to the week holding the visit day. */
async function showVisitWeek() {
  await desk.getByRole('heading', { name: /〜/ }).waitFor();
  for (let i = 0; i < 6 && (await cell(`${dayLabel} 10:00 空き`).count()) + (await desk.locator(`th[data-date="${day}"]`).count()) === 0; i++) {
    await desk.getByRole('button', { name: '次の週' }).click();
    await desk.locator('td.loading').first().waitFor({ state: 'detached' });
  }
  await desk.locator(`th[data-date="${day}"]`).waitFor();
}

describe('a home visit from the phone call to the calendar showing it done', () => {
  it('books by phone and by LINE, gives the day to the vehicle, works it offline and reports back', async () => {
    // A phone call: the dispatcher books the morning slot; the form pre-fills the day and slot.
    await signInConsole(desk, { operatorId: dispatcher.id, password: dispatcher.password });
    await showVisitWeek();
    await cell(`${dayLabel} 10:00 空き`).click();
    await desk.getByRole('heading', { name: '電話予約の受付' }).waitFor();
    await desk.locator('#f-district').selectOption('三和');
    await desk.getByLabel('氏名').fill('磐城 髙子');
    await desk.getByLabel('ふりがな').fill('いわき たかこ');
    await desk.getByLabel('生年月日').fill('1953-06-14');
    await desk.getByLabel('住所', { exact: true }).fill('福島県いわき市三和町下市萱字架空1-2-3');
    await desk.getByLabel('電話番号').fill('0246-22-1234');
    await desk.getByRole('checkbox', { name: '運転免許返納' }).check();
    await desk.getByRole('group', { name: /docomo/ }).getByRole('radio', { name: 'はい' }).check();
    await desk.getByRole('group', { name: /停める場所/ }).getByRole('radio', { name: 'はい' }).check();
    await desk.getByRole('button', { name: '＋ 証明書の交付を加える' }).click();
    await desk.getByLabel('備考').fill('玄関は母屋の裏手です。');
    await shot(desk, 'home-visits-01-booking-form');
    await desk.getByRole('button', { name: 'この内容で予約する' }).click();
    await desk.getByRole('status').getByText(`磐城 髙子様の訪問を ${dayLabel} 10:00 で予約しました。`).waitFor();
    await desk.getByRole('region', { name: '予約の内容' }).getByRole('button', { name: 'カレンダーに戻る' }).click();

    // A booking made in LINE arrives through the relay, signed with the city's intake key.
    const key = await addIntakeKey({ dataDir: join(tmp.dir, 'hub'), name: 'smartphone-city-hall' });
    const relay = intakeRelay(hub!.hub.url, hub!.hub.caCert, key);
    const line = await relay.book({
      externalId: 'line-e2e-0001', channel: 'line', district: '四倉', date: day, slot: 'pm1',
      resident: { name: '四倉 ミツ', kana: 'よつくら みつ', birthDate: '1939-09-09', address: '福島県いわき市四倉町字架空2-4', phone: '090-0000-1111' },
      eligibility: { reasons: ['elderly'] }, coverage: 'unknown', parking: 'yes', services: [{ type: 'insurance_link' }],
    });
    expect(line.status).toBe(201);
    const notices = await relay.get('/api/v1/notices');
    expect((notices.body as { notices: { kind: string; externalId: string }[] }).notices).toEqual([expect.objectContaining({ kind: 'confirmation', externalId: 'line-e2e-0001' })]);

    // The calendar shows both; the dispatcher gives the day to the vehicle.
    await desk.reload();
    await showVisitWeek();
    await cell(`${dayLabel} 10:00 予約済み 磐城 髙子`).waitFor();
    await cell(`${dayLabel} 13:00 予約済み 四倉 ミツ`).waitFor();
    await desk.getByLabel(`${dayLabel} の車両`).selectOption(VEHICLE);
    await desk.getByRole('status').getByText(`${dayLabel} の訪問を車両 ${VEHICLE} に割り当てました。`).waitFor();
    await shot(desk, 'home-visits-02-calendar-assigned');

    // The vehicle pulls its day, then city hall goes away.
    await staff.goto(host.staffUrl);
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByRole('button', { name: '本日の訪問' }).click();
    await staff.getByRole('button', { name: '予定を更新' }).click();
    const visits = staff.getByTestId('visit');
    await visits.nth(1).waitFor({ timeout: 20_000 });
    await hub!.stop();
    hub = null;
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).waitFor({ timeout: 20_000 });

    // At the door, offline: the visit opens into its pre-filled request.
    const takako = visits.filter({ hasText: '磐城 髙子' });
    await takako.getByRole('button', { name: '訪問を開始' }).click();
    await staff.getByRole('status').filter({ hasText: '証明書の受付を1件作りました' }).waitFor();
    const mitsu = visits.filter({ hasText: '四倉 ミツ' });
    await mitsu.getByRole('button', { name: 'ご不在' }).click();
    await mitsu.locator('input[name=outcomeReason]').fill('呼び鈴に応答なし。不在票を投函');
    await mitsu.getByRole('button', { name: '「ご不在」を記録する' }).click();
    await mitsu.getByText('市役所へ送信待ち').waitFor();
    await staff.evaluate(() => window.scrollTo(0, 0));
    await shot(staff, 'home-visits-03-vehicle-day-offline');

    // The pre-filled request: identity checked, the resident confirms on their screen; it waits offline.
    await resident.goto(host.residentUrl);
    await takako.getByRole('button', { name: /住民票の写し/ }).click();
    await staff.getByRole('button', { name: '本人確認を記録する' }).waitFor();
    await staff.getByText('磐城 髙子').first().waitFor();
    await shot(staff, 'home-visits-04-prefilled-request');
    await staff.locator('input[name=last4a]').fill('1234');
    await staff.getByRole('button', { name: '本人確認を記録する' }).click();
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();
    await staff.getByTestId('queued').waitFor();

    // City hall is back: the request relays, an operator approves, the certificate prints.
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), port: hubPort, consoleDir: consoleDist, cityPorts: true });
    await staff.getByTestId('step').filter({ hasText: '送信済み' }).waitFor({ timeout: 20_000 });
    const operator = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true })).newPage();
    await signInConsole(operator, approverCredentials);
    const card = operator.locator('[data-request-id]').filter({ hasText: '住民票の写し' }).first();
    await card.getByText('住民記録：該当あり').waitFor();
    await card.getByRole('button', { name: '承認して印刷へ送る' }).click();
    await staff.getByTestId('step').filter({ hasText: '印刷済み' }).waitFor({ timeout: 20_000 });
    const pdfs = readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'));
    expect(pdfs).toHaveLength(1);
    expect(execFileSync('pdftotext', ['-layout', join(ipp.spoolDir, pdfs[0]!), '-'], { encoding: 'utf8' }).replace(/[\s\u3000]/g, '')).toContain('磐城髙子');

    // Checked, paid, handed over; the visit is 完了.
    await staff.getByRole('button', { name: '正しく印刷されている' }).click();
    await staff.locator('input[name=tendered]').fill('300');
    await staff.getByRole('button', { name: '収納する' }).click();
    await emulator.waitForReceipts(1, 10_000);
    await staff.getByRole('button', { name: '交付した' }).click();
    await staff.getByTestId('purged').waitFor({ timeout: 20_000 });
    await staff.getByRole('button', { name: '一覧に戻る' }).first().click();
    await staff.getByRole('button', { name: '本日の訪問' }).click();
    await takako.getByRole('button', { name: '完了' }).click();
    await staff.getByTestId('relay-status').filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 20_000 });
    await shot(staff, 'home-visits-05-vehicle-day-done');

    // City hall holds both outcomes once; the dispatcher sees the visit done and whom to call back.
    const held = await hub.hub.store.transaction(async (tx) => {
      const booked = await tx.listBookings({ area: 'north', from: day, to: day });
      return tx.getVisitOutcomes(booked.map((b) => b.id));
    });
    expect(held.map((o) => o.outcome).sort()).toEqual(['absent', 'done']);
    await desk.reload();
    await showVisitWeek();
    await cell(`${dayLabel} 10:00 予約済み 磐城 髙子 訪問完了`).waitFor();
    await cell(`${dayLabel} 13:00 予約済み 四倉 ミツ 訪問ご不在`).waitFor();
    await shot(desk, 'home-visits-06-calendar-done');
    await desk.getByRole('button', { name: /コールバック/ }).first().click();
    await desk.getByText('四倉 ミツ').first().waitFor();
    await shot(desk, 'home-visits-07-callbacks');
  }, 180_000);
});
