// All seven steps of a certificate, in real Chromium: staff enter a request while city hall is
// unreachable, the hub comes up and the request relays by itself, an operator approves it in the
// console, the certificate prints on ippeveprinter and names the right resident, staff check it, take
// the fee (receipt decoded from the ESC/POS emulator), hand it over — and the vehicle keeps no
// personal data of it afterwards.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscposEmulator } from '../../native/printer/escpos-emulator';
import { launchChromium, shot, startJuminhyoRequest } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { approverCredentials, consoleDist, startTestHub, type TestHub } from '../support/hub';
import { startVehiclePrinters, type TestIppPrinter, type VehiclePrinters } from '../support/ippeveprinter';

let tmp: ReturnType<typeof tempDir>;
let printerPair: VehiclePrinters;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub | null = null;
let hubPort: number;
let host: HostProcess;
let browser: Browser;
let staff: Page;
let resident: Page;
let operator: Page;

beforeAll(async () => {
  tmp = tempDir();
  printerPair = await startVehiclePrinters(tmp.dir);
  ({ ipp, receipts: emulator } = printerPair);
  const printers = printerPair.configFile;

  // The vehicle was enrolled at city hall earlier; today the hub is down when the day starts.
  const hubDir = join(tmp.dir, 'hub');
  const first = await startTestHub({ dataDir: hubDir, consoleDir: consoleDist, cityPorts: true });
  hubPort = first.hub.port;
  const enrollment = (await first.enroll('vehicle-e2e')).dir;
  await first.hub.stop();

  host = await startHostProcess(join(tmp.dir, 'vehicle'), [
    '--printers', printers,
    '--hub-enrollment', enrollment,
    '--hub-url', `https://127.0.0.1:${hubPort}`,
    '--hub-retry-max', '1500',
  ]);
  browser = await launchChromium();
  const viewport = { width: 1280, height: 900 };
  staff = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
  // The hub's certificate comes from its own CA, which this throwaway browser profile does not trust.
  operator = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true })).newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await hub?.stop();
  await printerPair?.stop();
  tmp?.remove();
});

describe('seven steps, vehicle and city hall', () => {
  it('goes from an offline entry to a handed-over certificate, and leaves no personal data in the vehicle', async () => {
    // 1–2. Entry and identity check in the vehicle, with no network to city hall.
    await resident.goto(host.residentUrl);
    await staff.goto(host.staffUrl);
    await startJuminhyoRequest(staff, demoStaff);
    await staff.locator('input[name="subject.name"]').fill('磐城 髙子');
    await staff.locator('input[name="subject.kana"]').fill('いわき たかこ');
    await staff.locator('input[name="subject.birthDate"]').fill('1953-06-14');
    await staff.locator('input[name="subject.address"]').fill('福島県いわき市三和町下市萱字架空1-2-3');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.getByText('次は本人確認です。').waitFor();
    await staff.locator('input[name=last4a]').fill('1234');
    await staff.getByRole('button', { name: '本人確認を記録する' }).click();
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();

    // 3. Queued while offline.
    await staff.getByTestId('queued').waitFor();
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).filter({ hasText: '送信待ち 1件' }).waitFor();
    await shot(staff, 'seven-01-staff-queued-offline');

    // City hall comes back; the request relays with nobody pressing anything.
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), port: hubPort, consoleDir: consoleDist, cityPorts: true });
    await staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 20_000 });
    await staff.getByTestId('step').filter({ hasText: '送信済み' }).waitFor();
    await shot(staff, 'seven-02-staff-relayed');

    // 4. An operator approves in the console.
    await operator.goto(`${hub.hub.url}/`);
    await operator.getByLabel('職員番号').fill(approverCredentials.operatorId);
    await operator.getByLabel('パスワード').fill(approverCredentials.password);
    await operator.getByRole('button', { name: 'サインイン' }).click();
    const card = operator.locator('[data-request-id]').filter({ hasText: '住民票の写し' }).first();
    await card.getByText('住民記録：該当あり').waitFor();
    await shot(operator, 'seven-03-console-queue');
    await card.getByRole('button', { name: '承認して印刷へ送る' }).click();
    await operator.getByRole('status').getByText('を承認しました').waitFor();

    // The certificate prints in the vehicle and names the right resident.
    await staff.getByTestId('step').filter({ hasText: '印刷済み' }).waitFor({ timeout: 20_000 });
    const pdfs = readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'));
    expect(pdfs).toHaveLength(1);
    const text = execFileSync('pdftotext', ['-layout', join(ipp.spoolDir, pdfs[0]!), '-'], { encoding: 'utf8' });
    expect(text.replace(/[\s\u3000]/g, '')).toContain('磐城髙子');
    expect(text).toContain('住民票の写し');
    await shot(staff, 'seven-04-staff-printed');

    // 5–7. Check, fee with change and a Japanese receipt, handover.
    await staff.getByRole('button', { name: '正しく印刷されている' }).click();
    // City hall answers, so the payment terminal can be used: the cashless choices are open.
    expect(await staff.getByRole('radio', { name: 'QRコード決済' }).isDisabled()).toBe(false);
    expect(await staff.getByText('キャッシュレス決済は使えません').count()).toBe(0);
    // The VPN drops at the fee: the screen says cashless cannot be used and offers cash only.
    await hub.stop();
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).waitFor({ timeout: 20_000 });
    await staff.getByText('市役所に接続できないため、キャッシュレス決済は使えません。現金でお受け取りください。').waitFor();
    for (const method of ['クレジットカード', '電子マネー', 'QRコード決済']) expect(await staff.getByRole('radio', { name: method }).isDisabled()).toBe(true);
    expect(await staff.getByRole('radio', { name: '現金' }).getAttribute('aria-checked')).toBe('true');
    await shot(staff, 'seven-05a-staff-fee-offline');
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), port: hubPort, consoleDir: consoleDist, cityPorts: true });
    await staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).waitFor({ timeout: 20_000 });
    await staff.locator('input[name=tendered]').fill('1000');
    await staff.getByText('おつり 700円').waitFor();
    await staff.getByRole('button', { name: '収納する' }).click();
    await staff.getByText('おつりは 700円 です。').waitFor();
    await emulator.waitForReceipts(1, 10_000);
    const receipt = emulator.receipts[0]!.text;
    for (const words of ['領　収　書', '住民票の写し', '￥３００', 'おつり', '￥７００']) expect(receipt).toContain(words);
    await shot(staff, 'seven-05-staff-paid');
    await staff.getByRole('button', { name: '交付した' }).click();
    await staff.getByTestId('purged').waitFor({ timeout: 20_000 });
    await shot(staff, 'seven-06-staff-purged');
    await staff.getByRole('button', { name: '一覧に戻る' }).first().click();
    await staff.locator('[data-request-number="001"]').filter({ hasText: '交付済み' }).waitFor();
    await staff.getByTestId('relay-status').filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 20_000 });
    await shot(staff, 'seven-07-staff-list-handed-over');

    // City hall holds the handover; the vehicle's copy of the personal data is gone.
    await host.stop();
    const db = new Database(join(tmp.dir, 'vehicle', 'terminal.sqlite3'), { readonly: true });
    try {
      const row = db.prepare('SELECT step, personal_sealed, identity_sealed, purged_at FROM requests').get() as Record<string, unknown>;
      expect(row).toMatchObject({ step: 'handed_over', personal_sealed: null, identity_sealed: null });
      expect(row.purged_at).not.toBeNull();
      expect(db.prepare("SELECT length(payload_sealed) FROM print_jobs WHERE kind = 'certificate'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    const atHub = await hub.hub.store.transaction((tx) => tx.listRequests({}));
    expect(atHub.map((r) => r.step)).toEqual(['handed_over']);
  }, 120_000);
});
