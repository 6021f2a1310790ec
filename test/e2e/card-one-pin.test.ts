// One PIN per visit, in real Chromium, through the real pcscd with the vpcd reader and the virtual card,
// city hall's hub and both printers: the resident types the PIN once, the form fills from the card, the
// same read is the identity check once staff tick that they compared the face on the card, the
// confirmation shows on the resident screen with the card still in the reader, and at handover staff
// are reminded that the card is still there. Dates are read back and printed in 和暦.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualCard, type VirtualCardHandle } from '../../native/card/virtual';
import type { EscposEmulator } from '../../native/printer/escpos-emulator';
import { launchChromium, shot, startJuminhyoRequest } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { approverCredentials, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { startVehiclePrinters, type VehiclePrinters } from '../support/ippeveprinter';
import { startPrivatePcscd, type PrivatePcscd } from '../support/pcscd';

let tmp: ReturnType<typeof tempDir>;
let pcscd: PrivatePcscd;
let card: VirtualCardHandle;
let printers: VehiclePrinters;
let emulator: EscposEmulator;
let hub: TestHub;
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
  printers = await startVehiclePrinters(tmp.dir);
  emulator = printers.receipts;
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), cityPorts: true });
  const enrollment = (await hub.enroll('vehicle-one-pin')).dir;
  host = await startHostProcess(join(tmp.dir, 'vehicle'), ['--card', '--printers', printers.configFile, '--hub-enrollment', enrollment, '--hub-url', hub.hub.url]);
  browser = await launchChromium();
  const viewport = { width: 1280, height: 900 };
  staff = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await hub?.stop();
  await printers?.stop();
  card?.stop();
  await pcscd?.stop();
  tmp?.remove();
});

describe('one PIN per visit', () => {
  it('goes from the card read to 本人確認済み on one PIN, confirms with the card still in, and reminds staff at handover', async () => {
    await resident.goto(host.residentUrl);
    await staff.goto(host.staffUrl);
    await startJuminhyoRequest(staff, demoStaff);

    // The one PIN: the form fills from the card.
    await staff.getByTestId('fill-from-card').click();
    await typePin('4721');
    await staff.getByText('カードの内容を入力しました。').waitFor();
    // The card's birth date, read back as the city writes it, with the Western year beside it.
    await staff.getByTestId('birth-date-readback').filter({ hasText: '昭和13年2月11日 (1938年2月11日)' }).waitFor();
    await staff.locator('input[name="subject.kana"]').fill('やまざき たかし');
    await shot(staff, 'one-pin-01-staff-form-filled');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.getByText('次は本人確認です。').waitFor();

    // The read is the identity check, but only once staff say they compared the face on the card.
    const fromRead = staff.getByTestId('visit-card-read');
    await fromRead.getByText('暗証番号で読み取り').waitFor();
    await fromRead.getByRole('button', { name: 'カードの読み取りで本人確認する' }).click();
    await fromRead.getByText('「カードの顔写真と本人を確認しました」にチェックを入れてください').waitFor();
    expect(await staff.getByTestId('step').textContent()).toBe('受付');
    await shot(staff, 'one-pin-02-staff-face-check-asked');
    await fromRead.getByLabel('カードの顔写真と本人を確認しました').check();
    await fromRead.getByRole('button', { name: 'カードの読み取りで本人確認する' }).click();
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await staff.getByText('カードの読み取りで本人確認を記録しました。').waitFor();
    expect(card.card.verifyAttempts).toBe(1);
    await shot(staff, 'one-pin-03-staff-identity-checked');

    // The confirmation shows at once, the card still in the reader, with a gentle reminder about it.
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).waitFor();
    await resident.getByTestId('resident-card-note').filter({ hasText: 'お帰りの際にお受け取りください' }).waitFor();
    expect(await resident.getByTestId('resident-birth-date').textContent()).toBe('昭和13年2月11日 (1938年2月11日)');
    await shot(resident, 'one-pin-04-resident-confirm-card-still-in');
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();

    // City hall approves; the certificate prints, staff check it and take the fee.
    await staff.getByTestId('step').filter({ hasText: '送信済み' }).waitFor({ timeout: 20_000 });
    const operator = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await operator.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    const queue = await operator.call('GET', '/api/v1/console/queue');
    const [relayed] = (queue.body as { requests: { requestId: string; identity: unknown }[] }).requests;
    // City hall receives the identity check as recorded: the My Number card, nothing more of it.
    expect(relayed!.identity).toEqual([{ kind: 'mynumber_card', last4: null }]);
    expect((await operator.call('POST', `/api/v1/console/requests/${relayed!.requestId}/approve`, {})).status).toBe(200);
    await staff.getByTestId('step').filter({ hasText: '印刷済み' }).waitFor({ timeout: 20_000 });
    await staff.getByRole('button', { name: '正しく印刷されている' }).click();
    await staff.locator('input[name=tendered]').fill('300');
    await staff.getByRole('button', { name: '収納する' }).click();
    await emulator.waitForReceipts(1, 10_000);
    expect(emulator.receipts[0]!.text).toMatch(/令和\d+年\d+月\d+日\([日月火水木金土]\) \d\d:\d\d/);

    // 交付: the card is still in the reader, and staff are told so.
    const banner = staff.getByTestId('card-left-banner');
    await banner.filter({ hasText: 'カードがカードリーダーに残っています。' }).waitFor();
    await shot(staff, 'one-pin-05-staff-handover-card-left');
    card.remove();
    await banner.waitFor({ state: 'detached' });
    await staff.getByRole('button', { name: '交付した' }).click();
    await staff.getByTestId('purged').waitFor({ timeout: 20_000 });
  }, 150_000);
});
