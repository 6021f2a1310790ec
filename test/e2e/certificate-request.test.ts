// A staff member signs in, enters a request, checks identity, the resident confirms on their own
// screen, and the request waits in the outbox — in real Chromium against the real host.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStaff, tempDir } from '../support/fixtures';
import { launchChromium, shot } from '../support/browser';
import { startHostProcess, type HostProcess } from '../support/host';

let tmp: ReturnType<typeof tempDir>;
let host: HostProcess;
let browser: Browser;
let staff: Page;
let resident: Page;

beforeAll(async () => {
  tmp = tempDir();
  host = await startHostProcess(tmp.dir);
  browser = await launchChromium();
  const viewport = { width: 1280, height: 860 };
  staff = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  tmp?.remove();
});

describe('a certificate request in the vehicle, offline', () => {
  it('goes from sign-in to queued for relay, with the resident confirming on their screen', async () => {
    const consoleErrors: string[] = [];
    staff.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    resident.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await resident.goto(host.residentUrl);
    await resident.getByText('ようこそ').waitFor();
    expect(new URL(resident.url()).hash).toBe(''); // the token leaves the address bar
    await shot(resident, '00-resident-idle');

    await staff.goto(host.staffUrl);
    await staff.getByRole('button', { name: 'サインイン' }).waitFor();
    await shot(staff, '01-staff-signin');
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill('0000');
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByRole('alert').filter({ hasText: '職員番号かPINが違います' }).waitFor();
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByText('本日の受付はまだありません。').waitFor();
    await expect(staff.getByTestId('relay-status').textContent()).resolves.toContain('送信待ち 0件');
    await shot(staff, '02-staff-list-empty');

    await staff.getByRole('button', { name: '＋ 新しい受付' }).click();
    await staff.getByRole('radio', { name: '住民票の写し' }).click();
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.locator('[data-field="subject.name"]').waitFor();
    expect(await staff.locator('[data-field="subject.name"]').textContent()).toBe('氏名を入力してください。');
    await shot(staff, '03-staff-new-request-errors');

    await staff.locator('input[name="subject.name"]').fill('磐城 髙子');
    await staff.locator('input[name="subject.kana"]').fill('いわき たかこ');
    // The birth date as the resident says it, in 和暦: a day outside its era is named at once,
    // full-width digits are fine, and the date is read back in both calendars.
    const birth = staff.locator('input[name="subject.birthDate"]');
    await birth.fill('昭和64年1月8日');
    await staff.getByText('生年月日の昭和64年1月8日はありません。1989年1月8日からは平成です（平成元年1月8日）。').waitFor();
    await birth.fill('Ｓ２８．６．１４');
    await staff.getByTestId('birth-date-readback').filter({ hasText: '昭和28年6月14日 (1953年6月14日)' }).waitFor();
    await staff.locator('input[name="subject.address"]').fill('福島県いわき市三和町下市萱字架空1-2-3');
    await staff.getByRole('button', { name: '1通増やす' }).click();
    await expect(staff.getByText('手数料 600円').isVisible()).resolves.toBe(true);
    await shot(staff, '04-staff-new-request-filled');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.getByText('受付番号 001 で受け付けました。').waitFor();
    await shot(staff, '05-staff-request-entered');

    await staff.locator('input[name=last4a]').fill('12ab');
    await staff.getByRole('button', { name: '本人確認を記録する' }).click();
    await staff.locator('[data-field="identity.documents.0.last4"]').waitFor();
    await staff.locator('input[name=last4a]').fill('1234');
    await staff.getByRole('button', { name: '本人確認を記録する' }).click();
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await shot(staff, '06-staff-identity-checked');

    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await staff.getByTestId('waiting-resident').waitFor();
    await resident.getByTestId('resident-name').filter({ hasText: '磐城 髙子 様' }).waitFor();
    expect(await resident.getByTestId('resident-birth-date').textContent()).toBe('昭和28年6月14日 (1953年6月14日)');
    const fontPx = await resident.locator('.resident-summary dd').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontPx).toBeGreaterThanOrEqual(24);
    expect(await resident.getByRole('button').count()).toBe(1); // one big button, no staff controls
    await shot(resident, '07-resident-confirm');
    await shot(staff, '07-staff-waiting-for-resident');

    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();
    await shot(resident, '08-resident-thanks');

    await staff.getByTestId('queued').waitFor();
    await staff.getByTestId('relay-status').filter({ hasText: '送信待ち 1件' }).waitFor();
    await shot(staff, '09-staff-queued');
    await staff.getByRole('button', { name: '一覧に戻る' }).first().click();
    await staff.locator('[data-request-number="001"]').filter({ hasText: '送信待ち' }).waitFor();
    await shot(staff, '10-staff-list-queued');

    // マイナ保険証の紐付け needs city hall: offline, the resident is kept for the next visit instead.
    await staff.getByRole('button', { name: 'マイナ保険証の紐付け' }).click();
    await staff.getByTestId('link-offline').waitFor();
    await staff.locator('input[name=nextVisitName]').fill('磐城 髙子');
    await staff.locator('input[name=nextVisitPhone]').fill('0246-12-3456');
    await staff.getByRole('button', { name: '次回の訪問で行う' }).click();
    await staff.getByTestId('next-visit-booked').waitFor();
    await shot(staff, '12-staff-link-offline-next-visit');
    await staff.getByRole('button', { name: '一覧に戻る' }).click();
    await staff.getByTestId('next-visit').filter({ hasText: '磐城 髙子 様' }).waitFor();

    await staff.getByRole('button', { name: 'ロック' }).click();
    await staff.getByText('画面をロックしています。').waitFor();
    await shot(staff, '11-staff-locked');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
