// 運行 and its tally in real Chromium, with no city hall at all: staff start a 地区定期巡回, count with
// the big +1 / −1 buttons, sell a garbage ticket in cash, see the counts and 計, and close the outing's
// money (日計表) — count the cash, see the difference, give its reason — to end it; the relay
// indicator then counts the outing's record waiting for city hall.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, shot } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';

let tmp: ReturnType<typeof tempDir>;
let host: HostProcess;
let browser: Browser;
let staff: Page;

beforeAll(async () => {
  tmp = tempDir();
  host = await startHostProcess(join(tmp.dir, 'vehicle'));
  browser = await launchChromium();
  staff = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  tmp?.remove();
});

const count = (service: string) => staff.getByTestId('outing-counts').locator(`[data-service=${service}] dd`).textContent();

describe('an outing on the staff screen', () => {
  it('starts offline, tallies with one hand, sells a ticket, shows 計, and ends with its record waiting', async () => {
    await staff.goto(host.staffUrl);
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行：未開始' }).waitFor();
    await staff.getByRole('button', { name: '運行を開始' }).first().click();

    // 地区定期巡回 needs a place from the city's list.
    await staff.getByRole('radio', { name: '地区定期巡回' }).click();
    await staff.locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
    await staff.locator('[data-field=place]').filter({ hasText: '地区定期巡回は場所を選んでください。' }).waitFor();
    await staff.getByRole('radio', { name: '川前' }).click();
    await staff.getByRole('checkbox', { name: '小名浜 次郎' }).click();
    await staff.locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行中：地区定期巡回（川前）' }).waitFor();

    const plus = (label: string) => staff.getByRole('button', { name: `${label} を1増やす` });
    const minus = (label: string) => staff.getByRole('button', { name: `${label} を1減らす` });
    for (let i = 0; i < 3; i++) await plus('フレイルチェック').click();
    await expect.poll(() => count('frailty')).toBe('3人');
    await minus('フレイルチェック').click();
    await plus('スマホ市役所').click();
    for (let i = 0; i < 5; i++) await plus('説明者数').click();
    await expect.poll(() => count('explained')).toBe('5人');

    await staff.getByRole('radio', { name: /粗大ごみ処理券 700円/ }).click();
    await staff.getByRole('button', { name: '枚数を1増やす' }).click();
    await staff.getByTestId('goods-sale').getByText('市役所に接続できないため、キャッシュレス決済は使えません。現金でお受け取りください。').waitFor();
    await staff.getByTestId('goods-sale').locator('input').fill('2000');
    await staff.getByTestId('goods-sale').getByText('おつり 600円').waitFor();
    await staff.getByRole('button', { name: '販売して領収書を印刷' }).click();
    await staff.getByRole('status').filter({ hasText: '販売を記録しました' }).waitFor();

    await expect.poll(() => count('total')).toBe('4人');
    expect(await count('frailty')).toBe('2人');
    expect(await count('smartphone')).toBe('1人');
    expect(await count('garbage_ticket')).toBe('1人');
    expect(await count('certificate')).toBe('0人');
    await shot(staff, 'outing-tally');

    await staff.getByRole('button', { name: '運行の開始・終了' }).click();
    const waiting = Number((await staff.getByTestId('relay-status').locator('.count').textContent())!.match(/\d+/)![0]);
    await staff.getByRole('button', { name: '締め（日計表）へ' }).click();
    const close = staff.getByTestId('outing-close');
    await close.getByTestId('close-by-item').getByText('物品：粗大ごみ処理券').waitFor();
    // 2,000 tendered, 600 back: 1,400 expected. One 千円札 tapped, three 100円玉 typed.
    expect(await close.getByTestId('close-expected').textContent()).toBe('1,400円');
    await close.getByRole('button', { name: '千円札を1枚増やす', exact: true }).click();
    await close.getByRole('textbox', { name: '100円玉の枚数', exact: true }).fill('3');
    await expect.poll(() => close.getByTestId('close-counted').textContent()).toBe('1,300円');
    expect(await close.getByTestId('close-difference').textContent()).toBe('−100円');
    // A difference needs its reason before the close can be taken.
    const closeButton = close.getByRole('button', { name: '締めて運行を終了' });
    expect(await closeButton.isDisabled()).toBe(true);
    await close.getByRole('textbox', { name: '過不足の理由' }).fill('おつりを100円多く渡した');
    expect(await closeButton.isDisabled()).toBe(false);
    await shot(staff, 'outing-close');
    await closeButton.click();
    await staff.getByRole('status').filter({ hasText: '締めて運行を終了しました（サービス提供者 4人）' }).waitFor();
    await staff.getByTestId('outing-last-close').getByText('過不足 -100円（理由：おつりを100円多く渡した）').waitFor();
    await staff.getByTestId('outing-last').getByText('実績と日計は送信待ちです').waitFor();
    await staff.getByTestId('relay-status').locator('.count').filter({ hasText: `送信待ち ${waiting + 1}件` }).waitFor();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行：未開始' }).waitFor();
    await shot(staff, 'outing-ended');
  });
});
