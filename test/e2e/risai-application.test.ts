// A り災証明書 application in real Chromium with its fake camera, against the real host and hub: staff
// take it with two photos while the vehicle is offline, the 受付票 prints on the receipt printer, the
// link comes back, and the tax department at city hall finds it whole with both photos and judges it.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_API } from '../../protocol/console';
import { RISAI_API } from '../../protocol/disaster';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { launchChromium, shot } from '../support/browser';
import { demoStaff, tempDir } from '../support/fixtures';
import { startHostProcess, type HostProcess } from '../support/host';
import { adminCredentials, consoleDist, httpsCall, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { startFaultProxy, type FaultProxy } from '../support/tcp-proxy';

let tmp: ReturnType<typeof tempDir>;
let hub: TestHub;
let proxy: FaultProxy;
let host: HostProcess;
let browser: Browser;
let staff: Page;
let emulator: EscposEmulator;
let ipp: TestIppPrinter;
let ca: string;

beforeAll(async () => {
  tmp = tempDir('odekake-risai-e2e-');
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), consoleDir: consoleDist });
  const vehicle = await hub.enroll('vehicle-risai-e2e');
  ca = vehicle.ca;
  // The vehicle reaches city hall through a link the test can take down.
  let seed = 7;
  proxy = await startFaultProxy({ target: { port: hub.hub.port }, random: () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) });
  emulator = new EscposEmulator();
  await emulator.start();
  ipp = await startTestIppPrinter();
  const printers = join(tmp.dir, 'printers.json');
  writeFileSync(printers, JSON.stringify({ certificate: { uri: ipp.uri, jobTimeoutMs: 20_000 }, receipt: { host: '127.0.0.1', port: emulator.port } }));
  host = await startHostProcess(join(tmp.dir, 'vehicle'), ['--place', 'vehicle-risai-e2e', '--hub-enrollment', vehicle.dir, '--hub-url', proxy.url, '--printers', printers, '--hub-retry-max', '500']);
  browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  await context.grantPermissions(['camera'], { origin: new URL(host.staffUrl).origin });
  staff = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await proxy?.stop();
  await ipp?.dispose();
  await emulator?.stop();
  await hub?.stop();
  tmp?.remove();
});

describe('り災証明書 in the vehicle, with the camera, offline', () => {
  it('takes an application with two photos offline, prints its 受付票, and reaches the tax department whole once the link is back', async () => {
    const consoleErrors: string[] = [];
    staff.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    // City hall has the disaster; the vehicle pulls the list while it is online.
    const admin = operatorClient(hub.hub.url, ca);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    const added = await admin.call('POST', RISAI_API.console.disasters, { name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true });
    expect(added.status, JSON.stringify(added.body)).toBe(200);

    await staff.goto(host.staffUrl);
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    // The vehicle runs a り災証明書出張申請受付: the application counts its applicant in the outing's records.
    await staff.getByRole('button', { name: '運行を開始' }).first().click();
    await staff.getByRole('radio', { name: 'り災証明書出張申請受付' }).click();
    await staff.locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行中：り災証明書出張申請受付' }).waitFor();
    await staff.getByRole('button', { name: 'お出かけ市役所', exact: true }).click();
    await staff.getByRole('button', { name: 'り災証明書の申請' }).click();
    await staff.getByRole('button', { name: '災害の一覧を更新' }).click();
    await staff.getByRole('radio', { name: /令和5年台風第13号/ }).waitFor();

    // The link goes down: everything from here on is taken offline.
    proxy.faults = { ...proxy.faults, dropRate: 1 };
    proxy.cutAll();

    // Submitting an empty form names the fields in Japanese.
    await staff.getByRole('button', { name: '申請を受け付ける（受付票を印刷）' }).click();
    await staff.locator('[data-field="disasterId"]').waitFor();
    expect(await staff.locator('[data-field="applicant.name"]').textContent()).toBe('氏名を入力してください。');
    await shot(staff, 'risai-01-errors');

    await staff.getByRole('radio', { name: /令和5年台風第13号/ }).click();
    await staff.locator('input[name="applicant.name"]').fill('小名浜 春子');
    await staff.locator('input[name="applicant.kana"]').fill('おなはま はるこ');
    await staff.locator('input[name="applicant.birthDate"]').fill('昭和26年6月1日');
    await staff.locator('input[name="applicant.phone"]').fill('0246-22-0000');
    await staff.locator('input[name="applicant.address"]').fill('いわき市平字試験町1-2-3');
    await staff.locator('input[name="property.address"]').fill('いわき市平字試験町1-2-3');
    await staff.locator('input[name="property.district"]').fill('平');
    await staff.getByRole('radio', { name: '床上浸水' }).click();
    await staff.locator('input[name="damage.flooding.depthCm"]').fill('45');
    await staff.locator('textarea[name="damage.description"]').fill('台所と居間が床上まで浸水しました。');
    await staff.getByRole('radio', { name: '写真による自己判定方式' }).click();
    await staff.getByRole('radio', { name: '次回の車両訪問で受け取る' }).click();

    await staff.getByRole('button', { name: 'カメラを開く' }).click();
    await staff.getByTestId('camera').waitFor();
    await staff.waitForFunction(() => (document.querySelector('[data-testid=camera]') as HTMLVideoElement | null)?.videoWidth ?? 0 > 0);
    await staff.getByRole('button', { name: '撮影する' }).click();
    await expect.poll(() => staff.getByTestId('risai-photo').count()).toBe(1);
    await staff.getByRole('button', { name: '撮影する' }).click();
    await expect.poll(() => staff.getByTestId('risai-photo').count()).toBe(2);
    await shot(staff, 'risai-02-two-photos');

    await staff.getByRole('button', { name: '申請を受け付ける（受付票を印刷）' }).click();
    await staff.getByTestId('risai-done').waitFor();
    const number = ((await staff.getByTestId('risai-done').locator('h2').textContent()) ?? '').match(/R\d{4}-\d{3}/)![0];
    await shot(staff, 'risai-03-done');
    await emulator.waitForReceipts(1, 10_000);
    expect(emulator.receipts[0]!.text).toContain(number);
    expect(emulator.receipts[0]!.text).toMatch(/写真\s+２枚/);
    // The outing counts her: one application, one person served.
    await staff.getByTestId('outing-badge').click();
    const count = (service: string) => staff.getByTestId('outing-counts').locator(`[data-service=${service}] dd`).textContent();
    await expect.poll(() => count('risai')).toBe('1人');
    expect(await count('total')).toBe('1人');
    expect(await count('certificate')).toBe('0人');
    await shot(staff, 'risai-03b-outing-counts');

    // The link is back: the application and both photos reach city hall.
    proxy.faults = { ...proxy.faults, dropRate: 0 };
    const tax = operatorClient(hub.hub.url, ca);
    expect((await admin.call('POST', CONSOLE_API.operators, { id: 'zeimu1', displayName: '税務 花子', role: 'tax', password: 'tax-password-for-tests' })).status).toBe(200);
    await tax.signIn('zeimu1', 'tax-password-for-tests');
    await expect.poll(async () => (await tax.call('GET', RISAI_API.console.applications)).body.length, { timeout: 30_000 }).toBe(1);
    const [summary] = (await tax.call('GET', RISAI_API.console.applications)).body;
    expect(summary).toMatchObject({ number, photos: 2, complete: true, status: 'received', area: '平' });
    const detail = (await tax.call('GET', RISAI_API.console.application.replace(':id', summary.id))).body;
    for (const p of detail.photoList) {
      const jpeg = await httpsCall(`${hub.hub.url}${RISAI_API.console.photo.replace(':id', summary.id).replace(':photoId', p.id)}`, { headers: { cookie: tax.cookie }, tls: { ca } });
      expect(jpeg.headers['content-type']).toBe('image/jpeg');
      expect(jpeg.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(jpeg.bytes.length).toBe(p.bytes);
    }

    // The tax department's console in the browser: the application with its photos, judged.
    /** A console page in its own browser context, signed in; its errors (but the 401 that answers the check for a session before sign-in) are collected. */
    const consolePage = async (operatorId: string, password: string, label: string) => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true })).newPage();
      page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && consoleErrors.push(`${label}: ${m.text()}`));
      await page.goto(`${hub.hub.url}/`);
      await page.locator('input[name=operatorId]').fill(operatorId);
      await page.locator('input[name=password]').fill(password);
      await page.getByRole('button', { name: 'サインイン' }).click();
      return page;
    };
    const clerk = await consolePage('zeimu1', 'tax-password-for-tests', 'console');
    await clerk.locator(`[data-risai-id="${summary.id}"]`).click();
    await clerk.getByTestId('risai-detail').waitFor();
    await expect.poll(() => clerk.locator('.risai-photos img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)).toBe(2);
    // The birth date was typed in 和暦 on the vehicle; the clerk reads it in both calendars.
    await clerk.getByTestId('risai-detail').getByText('昭和26年6月1日 (1951年6月1日)').waitFor();
    await shot(clerk, 'risai-05-tax-console');
    await clerk.getByRole('radio', { name: '準半壊', exact: true }).click();
    await clerk.getByRole('button', { name: '「判定」に進める' }).click();
    await clerk.getByTestId('risai-detail').locator('.badge').filter({ hasText: '判定：準半壊' }).waitFor();
    await clerk.getByRole('button', { name: '「証明書発行」に進める' }).waitFor();
    await shot(clerk, 'risai-06-tax-judged');
    expect((await tax.call('GET', RISAI_API.console.counts)).body.rows).toMatchObject([{ area: '平', status: 'judged', grade: 'semi_half', count: 1 }]);

    // Back on the vehicle: the application shows as delivered.
    await staff.getByRole('button', { name: 'お出かけ市役所' }).click();
    await staff.getByRole('button', { name: 'り災証明書の申請' }).click();
    await staff.locator(`[data-risai-number="${number}"]`).filter({ hasText: '市役所に届きました' }).waitFor({ timeout: 30_000 });
    await shot(staff, 'risai-04-delivered');

    // 証明書発行, then sent to this vehicle's printer for handover at the next visit.
    await clerk.getByRole('button', { name: '「証明書発行」に進める' }).click();
    await clerk.getByRole('button', { name: '車両のプリンターへ送る（交付用）' }).click();
    await clerk.getByTestId('risai-sent').filter({ hasText: '交付待ち' }).waitFor();
    await shot(clerk, 'risai-07-tax-sent');
    await expect.poll(() => readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf')).length, { timeout: 30_000 }).toBe(1);
    await staff.getByRole('button', { name: 'お出かけ市役所' }).click();
    await staff.getByRole('button', { name: 'り災証明書の申請' }).click();
    const line = staff.locator(`[data-risai-number="${number}"]`);
    await line.filter({ hasText: '証明書 交付待ち' }).waitFor({ timeout: 30_000 });
    await shot(staff, 'risai-08-awaiting-handover');
    await line.getByRole('button', { name: '交付' }).click();
    await line.filter({ hasText: '証明書 交付済み' }).waitFor();
    await shot(staff, 'risai-09-handed-over');
    await expect.poll(async () => (await tax.call('GET', RISAI_API.console.application.replace(':id', summary.id))).body.handedOverAt, { timeout: 30_000 }).toBeTruthy();
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);

    // The planning staff's records (実績) count the application by disaster and district, with no personal data.
    expect((await admin.call('POST', CONSOLE_API.operators, { id: 'kikaku1', displayName: '企画 一郎', role: 'planning', password: 'planning-password-for-tests' })).status).toBe(200);
    const planner = await consolePage('kikaku1', 'planning-password-for-tests', 'records');
    const counted = planner.getByTestId('records-risai');
    await counted.locator('tbody tr').filter({ hasText: '令和5年台風第13号' }).filter({ hasText: '平' }).filter({ hasText: '1件' }).waitFor();
    expect(await planner.locator('main').textContent()).not.toContain('小名浜');
    await counted.scrollIntoViewIfNeeded();
    await shot(planner, 'risai-10-records');
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
  }, 120_000);
});
