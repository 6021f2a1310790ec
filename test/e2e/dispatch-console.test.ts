// A dispatcher (配車担当) at city hall takes a home-visit booking by phone in the console: the week
// calendar of the north area, the booking form with a field error fixed and a date past its deadline
// refused with the earliest day offered, the cell turning 予約済み, a change to another slot, another
// booking cancelled with a reason, and the call-back list — in real Chromium against a real hub, on a
// hub clock fixed at Wednesday 2026-11-25 10:00 in Tokyo.
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { addOperator } from '../../hub/server/data-dir';
import { launchChromium, shot } from '../support/browser';
import { adminCredentials, consoleDist, startTestHub, type TestHub } from '../support/hub';

const dispatcher = { id: 'D0001', displayName: '配車 花子', password: 'dispatcher-password-for-tests' };
// Wednesday 25 November 2026, 10:00 in Tokyo: Monday 23 is 勤労感謝の日; Friday 27's booking closed on
// Tuesday 24 at 16:00; Monday 30 closes today at 16:00 and is the earliest open north visit day.
const clock = new ManualClock(new Date('2026-11-25T01:00:00.000Z'));

let t: TestHub;
let browser: Browser;
let page: Page;

/** A booking taken earlier by phone (for the cancellation), as the service takes it. */
const earlierBooking = {
  externalId: 'phone-earlier-0001',
  channel: 'phone',
  district: '四倉',
  date: '2026-12-04',
  slot: 'pm1',
  resident: { name: '四倉 一郎', kana: 'よつくら いちろう', birthDate: '1940-05-05', address: '福島県いわき市四倉町字架空1-1', phone: '0246-32-0000' },
  eligibility: { reasons: ['license_returned'] },
  coverage: 'yes',
  parking: 'yes',
  services: [{ type: 'insurance_link' }],
};

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist, clock });
  await addOperator(t.hub.store, { id: dispatcher.id, displayName: dispatcher.displayName, role: 'dispatcher', password: dispatcher.password, actor: 'test' }, clock);
  const earlier = await t.hub.bookings.book(earlierBooking, 'test');
  expect(earlier.status).toBe('created');
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const cell = (label: string) => page.locator(`[aria-label="${label}"]`);

describe("dispatcher's console", () => {
  it('books a home visit by phone, changes it, cancels another with a reason and lists whom to call back', async () => {
    const errors: string[] = [];
    // 401 answers the check for a session before sign-in; the 400, 422 are the form's refusals shown on screen.
    page.on('console', (m) => m.type() === 'error' && !/status of (401|400|422)/.test(m.text()) && errors.push(m.text()));

    await page.goto(`${t.hub.url}/`);
    await page.getByLabel('職員番号').fill(dispatcher.id);
    await page.getByLabel('パスワード').fill(dispatcher.password);
    await page.getByRole('button', { name: 'サインイン' }).click();

    // The week of the hub's today, north: the holiday, the closed Friday, today marked.
    await page.getByRole('heading', { name: '11月23日(月) 〜 11月29日(日)' }).waitFor();
    await page.getByText('勤労感謝の日').waitFor();
    await cell('11月27日(金) 10:00 受付終了').waitFor();
    await expect(page.locator('th.today').getAttribute('data-date')).resolves.toBe('2026-11-25');
    await page.getByText('きょう', { exact: true }).waitFor();
    await expect(page.getByRole('tab', { name: '北部' }).getAttribute('aria-selected')).resolves.toBe('true');
    await shot(page, 'dispatch-01-week');

    // Next week from the keyboard: Monday open, Friday's 13:00 held by the earlier phone booking.
    await page.keyboard.press('PageDown');
    await page.getByRole('heading', { name: '11月30日(月) 〜 12月6日(日)' }).waitFor();
    await cell('12月4日(金) 13:00 予約済み 四倉 一郎 四倉').waitFor();
    await shot(page, 'dispatch-02-next-week');

    // A free cell opens the form on its day and slot.
    await cell('11月30日(月) 10:00 空き 予約を入れる').click();
    await page.getByRole('heading', { name: '電話予約の受付' }).waitFor();
    await expect(page.getByLabel('訪問日', { exact: true }).inputValue()).resolves.toBe('2026-11-30');
    await expect(page.getByLabel('時間帯', { exact: true }).inputValue()).resolves.toBe('am');
    await page.locator('#f-district').selectOption('平');
    await page.getByLabel('氏名').fill('平 花子');
    await page.getByLabel('ふりがな').fill('たいら はなこ');
    await page.getByLabel('生年月日').fill('1942-03-15');
    await page.getByLabel('住所', { exact: true }).fill('福島県いわき市平字架空町2-3');
    await page.getByLabel('電話番号').fill('12345');
    await page.getByRole('checkbox', { name: '高齢者' }).check();
    await page.getByRole('group', { name: /docomo/ }).getByRole('radio', { name: 'はい' }).check();
    await page.getByRole('group', { name: /停める場所/ }).getByRole('radio', { name: 'わからない' }).check();
    await page.getByRole('button', { name: '＋ 証明書の交付を加える' }).click();
    await page.getByRole('checkbox', { name: 'マイナ保険証の紐付け' }).check();
    await page.getByLabel('備考').fill('家の前の坂が急です。');
    await page.getByRole('button', { name: 'この内容で予約する' }).click();

    // The hub names the field; the message stands beside it.
    const phoneError = page.locator('#err-resident\\.phone');
    await phoneError.getByText('電話番号は 0246-22-1111 のように').waitFor();
    await expect(page.getByLabel('電話番号').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(page, 'dispatch-03-field-error');
    await page.getByLabel('電話番号').fill('0246-22-1234');
    await expect(phoneError.count()).resolves.toBe(0);

    // Friday 27 closed on Tuesday 24 at 16:00: said while typing, and by the hub if sent anyway.
    await page.getByLabel('訪問日', { exact: true }).fill('2026-11-27');
    const verdict = page.getByTestId('rules-verdict');
    await verdict.getByText('この日の予約は 11月24日(火) 16:00 で締め切りました。いちばん早く伺えるのは 11月30日(月) です。').waitFor();
    await verdict.getByRole('button', { name: '11月30日(月) 13:00' }).waitFor();
    await page.getByRole('button', { name: 'この内容で予約する' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: '締め切りました' });
    await refusal.getByText('いちばん早く伺えるのは 11月30日(月) です。').waitFor();
    await shot(page, 'dispatch-04-deadline-refused');
    await refusal.getByRole('button', { name: '11月30日(月) 10:00' }).click();
    await expect(page.getByLabel('訪問日', { exact: true }).inputValue()).resolves.toBe('2026-11-30');
    await expect(verdict.count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'この内容で予約する' }).click();

    // Booked: the detail, then the cell is 予約済み with the name and district.
    await page.getByRole('status').getByText('平 花子様の訪問を 11月30日(月) 10:00 で予約しました。').waitFor();
    const detail = page.getByRole('region', { name: '予約の内容' });
    await detail.getByText('0246-22-1234').waitFor();
    await detail.getByText('住民票の写し 1通（世帯全員）').waitFor();
    await shot(page, 'dispatch-05-booked');
    await detail.getByRole('button', { name: 'カレンダーに戻る' }).click();
    const booked = cell('11月30日(月) 10:00 予約済み 平 花子 平');
    await booked.waitFor();
    await booked.getByText('平', { exact: true }).waitFor();
    await shot(page, 'dispatch-06-week-booked');

    // Change it to the afternoon, with a reason.
    await booked.click();
    await detail.getByRole('button', { name: '変更' }).click();
    await page.getByLabel('変更先（空いている枠）').selectOption({ label: '11月30日(月) 午後2 14:30〜' });
    await page.getByLabel('変更の理由（必須）').fill('ご家族が午後なら同席できるため');
    await shot(page, 'dispatch-07-change');
    await page.getByRole('button', { name: '変更を確定する' }).click();
    await page.getByRole('status').getByText('平 花子様の予約を 11月30日(月) 14:30 に変更しました。').waitFor();
    await detail.getByRole('button', { name: 'カレンダーに戻る' }).click();
    await cell('11月30日(月) 14:30 予約済み 平 花子 平').waitFor();
    await cell('11月30日(月) 10:00 空き 予約を入れる').waitFor();

    // Cancel the earlier booking with a reason, confirmed.
    await cell('12月4日(金) 13:00 予約済み 四倉 一郎 四倉').click();
    await detail.getByRole('button', { name: '取消' }).click();
    await page.getByLabel('取消の理由（必須）').fill('ご本人が入院されたため');
    await page.getByRole('button', { name: '取消を確定する' }).click();
    await page.getByRole('alertdialog', { name: '取消の確認' }).getByText('四倉 一郎様').waitFor();
    await shot(page, 'dispatch-08-cancel-confirm');
    await page.getByRole('button', { name: 'はい、取り消す' }).click();
    await page.getByRole('status').getByText('四倉 一郎様の 12月4日(金) の予約を取り消しました。').waitFor();
    await cell('12月4日(金) 13:00 空き 予約を入れる').waitFor();

    // A booking from LINE lands meanwhile; the calendar shows it when the console is focused again.
    const fromLine = await t.hub.bookings.book(
      { ...earlierBooking, externalId: 'line-0002', channel: 'line', slot: 'am', district: '小川', resident: { ...earlierBooking.resident, name: '小川 三郎' } },
      'relay',
    );
    expect(fromLine.status).toBe('created');
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await cell('12月4日(金) 10:00 予約済み 小川 三郎 小川').waitFor();

    // The call-back list: the change and the cancellation, each with name, phone and what to say.
    await page.getByRole('button', { name: /^コールバック/ }).click();
    await page.getByRole('heading', { name: 'お電話する方 2件' }).waitFor();
    const changed = page.locator('tr', { hasText: '予約の変更' });
    await changed.getByText('平 花子').waitFor();
    await changed.getByText('0246-22-1234').waitFor();
    await changed.getByText('11月30日(月) 10:00〜11:00 から 11月30日(月) 14:30〜15:30 に変更しました').waitFor();
    await page.locator('tr', { hasText: '予約の取消' }).getByText('四倉 一郎').waitFor();
    await shot(page, 'dispatch-09-callbacks');
    await changed.getByRole('button', { name: '平 花子様へのお電話を完了にする' }).click();
    await page.getByRole('heading', { name: 'お電話する方 1件' }).waitFor();
    await expect(page.locator('tr', { hasText: '予約の変更' }).count()).resolves.toBe(0);

    // A new call from the south: once the district is chosen, the earliest free slots are offered.
    await page.getByRole('button', { name: '＋ 電話予約' }).click();
    await page.locator('#f-district').selectOption('小名浜');
    await page.getByRole('group', { name: '南部の早い順の空き枠' }).getByRole('button', { name: '12月2日(水) 10:00' }).click();
    await expect(page.getByLabel('訪問日', { exact: true }).inputValue()).resolves.toBe('2026-12-02');
    await expect(page.getByLabel('時間帯', { exact: true }).inputValue()).resolves.toBe('am');
    await page.getByRole('button', { name: 'やめる' }).click();

    // An admin reaches the same screen from the certificate console.
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await page.getByLabel('職員番号').fill(adminCredentials.operatorId);
    await page.getByLabel('パスワード').fill(adminCredentials.password);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByRole('button', { name: '訪問予約へ' }).click();
    await page.getByRole('heading', { name: '11月23日(月) 〜 11月29日(日)' }).waitFor();
    await page.getByRole('button', { name: '証明書発行へ' }).waitFor();

    // What the hub holds: one booking moved, one cancelled with its reason.
    const listed = await t.hub.bookings.listBooked('north', '2026-11-30', '2026-12-06');
    expect(listed.map((b) => [b.date, b.slot, b.channel, b.resident.name])).toEqual([
      ['2026-11-30', 'pm2', 'phone', '平 花子'],
      ['2026-12-04', 'am', 'line', '小川 三郎'],
    ]);
    expect(listed[0]!.externalId).toMatch(/^phone-[0-9a-f-]{36}$/);
    expect(errors).toEqual([]);
  });
});
