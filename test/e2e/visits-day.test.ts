// 本日の訪問 in real Chromium: the dispatcher's day is assigned to the vehicle, the host pulls it as soon
// as city hall answers, city hall goes away, and staff open a visit into its pre-filled requests and
// record an absence with its reason — all from the vehicle's own store.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingInput } from '../../protocol/bookings';
import { earliestBookableVisitDay } from '../../protocol/visit-calendar';
import { launchChromium, shot } from '../support/browser';
import { demoStaff, projectRoot, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { startTestHub, testVisitRules, type TestHub } from '../support/hub';

let tmp: ReturnType<typeof tempDir>;
let hub: TestHub | null = null;
let host: HostProcess;
let browser: Browser;
let staff: Page;

const rules = testVisitRules();
const VEHICLE = 'vehicle-e2e-visits';

function booking(externalId: string, slot: BookingInput['slot'], resident: BookingInput['resident'], services: BookingInput['services'], notes: string): BookingInput {
  return {
    externalId, channel: 'phone', district: '平', date: earliestBookableVisitDay(rules, 'north', new Date())!, slot, resident,
    eligibility: { reasons: ['elderly', 'license_returned'] }, coverage: 'yes', parking: 'no', services, notes,
  };
}

beforeAll(async () => {
  tmp = tempDir();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub') });
  const enrollment = (await hub.enroll(VEHICLE)).dir;
  const date = earliestBookableVisitDay(rules, 'north', new Date())!;
  await hub.hub.bookings.book(booking('P-E2E-1', 'am', { name: '常磐 トメ', kana: 'じょうばん とめ', birthDate: '1938-02-11', address: 'いわき市平字作町一丁目9', phone: '0246-43-1234' }, [
    { type: 'certificate', kind: 'juminhyo', copies: 1, juminhyo: { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: false } },
    { type: 'certificate', kind: 'inkan', copies: 2 },
    { type: 'consultation', department: 'pension' },
  ], '家の前の坂道に駐車。玄関は裏手'), 'dispatcher-1');
  await hub.hub.bookings.book(booking('P-E2E-2', 'pm1', { name: '平 シゲ子', kana: 'たいら しげこ', birthDate: '1944-07-30', address: 'いわき市平字童子町3-1', phone: '090-1234-5678' }, [
    { type: 'insurance_link' },
    { type: 'smartphone_help' },
  ], '耳が遠いので大きな声で'), 'dispatcher-1');
  await hub.hub.visits.assign({ area: 'north', date, vehicleId: VEHICLE }, 'dispatcher-1');

  host = await startHostProcess(join(tmp.dir, 'vehicle'), ['--hub-enrollment', enrollment, '--hub-url', hub.hub.url, '--hub-retry-max', '1000']);
  browser = await launchChromium();
  staff = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await hub?.stop();
  tmp?.remove();
});

describe('the day\'s visits on the staff screen', () => {
  it('lists the pulled day with no network, opens a visit into its requests and records an absence with its reason', async () => {
    await staff.goto(host.staffUrl);
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByRole('button', { name: '本日の訪問' }).click();
    // Pulled by the host as soon as city hall answered; nobody pressed 更新.
    await staff.getByTestId('visit').nth(1).waitFor({ timeout: 20_000 });
    await staff.getByTestId('visits-sync').filter({ hasText: '市役所と接続中' }).waitFor();

    // City hall goes away: the day stays, read from the vehicle's store.
    await hub!.stop();
    hub = null;
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).waitFor({ timeout: 20_000 });
    await staff.getByRole('button', { name: '予定を更新' }).click();
    await staff.getByRole('alert').filter({ hasText: '保存されている予定を表示しています' }).waitFor();
    await staff.getByTestId('visits-sync').filter({ hasText: 'オフライン' }).waitFor();
    const cards = staff.getByTestId('visit');
    expect(await cards.count()).toBe(2);
    await expect.poll(() => cards.nth(0).locator('.visit-name').textContent()).toContain('常磐 トメ');
    expect(await cards.nth(0).locator('.visit-phone').textContent()).toContain('0246-43-1234');

    // 訪問を開始: the two certificate requests are made from the booking.
    await cards.nth(0).getByRole('button', { name: '訪問を開始' }).click();
    await staff.getByRole('status').filter({ hasText: '証明書の受付を2件作りました' }).waitFor();
    await cards.nth(0).getByRole('button', { name: /住民票の写し/ }).waitFor();
    await cards.nth(0).getByRole('button', { name: 'ビデオ相談を始める（年金）' }).waitFor();

    // ご不在 needs its reason.
    await cards.nth(1).getByRole('button', { name: 'ご不在' }).click();
    await cards.nth(1).getByRole('button', { name: '「ご不在」を記録する' }).click();
    await staff.getByRole('alert').filter({ hasText: '「ご不在」の理由を入力してください。' }).first().waitFor();
    await cards.nth(1).locator('input[name=outcomeReason]').fill('呼び鈴に応答なし。ポストに不在票');
    await cards.nth(1).getByRole('button', { name: '「ご不在」を記録する' }).click();
    await cards.nth(1).getByText('市役所へ送信待ち').waitFor();
    await staff.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(join(projectRoot, 'test-results'), { recursive: true });
    await staff.screenshot({ path: join(projectRoot, 'test-results', 'visits-day.png'), fullPage: true });
    await shot(staff, 'visits-day');
  });
});
