// The My Number card in the certificate flow, in real Chromium, through the real pcscd with the vpcd
// reader and the virtual card: the resident types the PIN on their screen, the form fills from the
// card (書かない窓口), the identity check compares card and request, the resident's confirmation shows with the card still in,
// and pulling the card wipes the session.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualCard, type VirtualCardHandle } from '../../native/card/virtual';
import { launchChromium, shot, startJuminhyoRequest } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { startPrivatePcscd, type PrivatePcscd } from '../support/pcscd';

let tmp: ReturnType<typeof tempDir>;
let pcscd: PrivatePcscd;
let card: VirtualCardHandle;
let host: HostProcess;
let browser: Browser;
let staff: Page;
let resident: Page;

async function typePin(digits: string): Promise<void> {
  await resident.getByText('暗証番号（数字4けた）を押してください').waitFor();
  for (const d of digits) await resident.getByRole('button', { name: d, exact: true }).click();
  await resident.getByRole('button', { name: '決定' }).click();
}

beforeAll(async () => {
  tmp = tempDir();
  pcscd = await startPrivatePcscd(); // sets PCSCLITE_CSOCK_NAME, which the host process inherits
  card = await startVirtualCard({ profile: 'yamazaki-takashi', port: pcscd.port });
  host = await startHostProcess(tmp.dir, ['--card']);
  browser = await launchChromium();
  const viewport = { width: 1280, height: 900 };
  staff = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  card?.stop();
  await pcscd?.stop();
  tmp?.remove();
});

describe('identity from the My Number card', () => {
  it('fills the request from the card after the resident types the PIN, checks it, shows the confirmation with the card in, and wipes the session when the card is pulled', async () => {
    await resident.goto(host.residentUrl);
    await staff.goto(host.staffUrl);
    await startJuminhyoRequest(staff, demoStaff);

    // A wrong PIN first: one try spent, reported on both screens, never retried by itself.
    await staff.getByTestId('fill-from-card').click();
    await staff.getByTestId('card-session').filter({ hasText: 'お客様画面で' }).waitFor();
    await shot(resident, 'card-01-resident-pin-pad');
    await typePin('0000');
    await resident.getByRole('alert').filter({ hasText: 'あと2回' }).waitFor();
    await staff.getByTestId('card-session').filter({ hasText: 'あと2回' }).waitFor();
    await shot(resident, 'card-02-resident-wrong-pin');
    expect(await staff.locator('body').textContent()).not.toContain('0000');

    await typePin('4721');
    await staff.getByText('カードの内容を入力しました。').waitFor();
    expect((await staff.locator('input[name="subject.name"]').inputValue()).normalize('NFKC')).toBe('山﨑 髙志');
    expect(await staff.locator('input[name="subject.birthDate"]').inputValue()).toBe('1938-02-11');
    expect(await staff.locator('input[name="subject.address"]').inputValue()).toContain('福島県いわき市三和町上三坂字中ノ内');
    await shot(staff, 'card-03-staff-form-filled-from-card');
    await staff.locator('input[name="subject.kana"]').fill('やまざき たかし');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.getByText('次は本人確認です。').waitFor();

    // The identity check compares the card with the request field by field, and records it.
    await staff.getByRole('button', { name: 'マイナンバーカードで確認する' }).click();
    await typePin('4721');
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await shot(staff, 'card-04-staff-identity-checked-by-card');
    await resident.getByText('カードをお取りください。').waitFor();

    // Staff put the request on the resident's screen: it shows at once, the card still in the reader.
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).waitFor();
    await resident.getByTestId('resident-card-note').waitFor();
    await shot(resident, 'card-05-resident-confirm-after-pin-check');

    // Pulling the card ends the session: nothing of it stays, the reminder goes, the confirmation stays.
    card.remove();
    await staff.getByTestId('card-session').waitFor({ state: 'detached' });
    await resident.getByTestId('resident-card-note').waitFor({ state: 'detached' });
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();
    await shot(resident, 'card-06-resident-after-card-removed');
  }, 90_000);
});
