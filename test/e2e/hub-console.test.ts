// An operator at city hall signs in to the console, sees a request a vehicle relayed (through the
// vehicle API with a test client certificate), looks at the certificate as it will print, approves it,
// and the vehicle's inbox holds a print job of those very bytes signed by the hub — in real Chromium
// against a real hub over TLS.
import { createHash, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printJobSigningInput } from '../../protocol/hub';
import { accessibilityProblems } from '../support/axe';
import { launchChromium, shot } from '../support/browser';
import { approverCredentials as clerk, consoleDist, eventMessage, startTestHub, submitMessage, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let car: VehicleTls;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist, cityPorts: true });
  car = await t.enroll('iwaki-car-1');
  browser = await launchChromium();
  // The hub's certificate comes from its own CA, which this throwaway browser profile does not trust.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('operator console', () => {
  it('signs in, sees a relayed request live, approves it, and the vehicle gets a signed print job', async () => {
    const errors: string[] = [];
    // 401s are the answers to checking for a session before sign-in and to the wrong password.
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && errors.push(m.text()));
    const vehicle = vehicleClient(t.hub.url, car);

    await page.goto(`${t.hub.url}/`);
    await page.getByRole('button', { name: 'サインイン' }).waitFor();
    await shot(page, 'console-01-sign-in');

    await page.getByLabel('職員番号').fill(clerk.operatorId);
    await page.getByLabel('パスワード').fill('wrong-password-123');
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByRole('alert').getByText('職員番号かパスワードが違います').waitFor();
    await page.getByLabel('パスワード').fill(clerk.password);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByText('いま承認を待っている請求はありません').waitFor();
    await page.getByText('自動更新中').waitFor();

    // Two requests arrive from the vehicle while the console is open: one the registry finds, one it does not.
    const found = submitMessage({ number: 'A-001' });
    const unknown = submitMessage({
      number: 'A-002',
      input: {
        kind: 'inkan', juminhyo: undefined,
        subject: { name: '架空 存在', kana: 'かくう そんざい', birthDate: '1960-02-29', address: '福島県いわき市平字架空町9-9' },
      },
    });
    const delivered = await vehicle.deliver([found, unknown]);
    expect(delivered.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied']);
    // The list shows both; the first opens beside it, with the certificate as it will print.
    const card = page.locator(`[data-request-id="${found.requestId}"]`);
    await card.waitFor();
    await card.getByText('住民記録：該当あり').waitFor();
    await page.locator(`[data-row-id="${unknown.requestId}"]`).getByText('該当なし').waitFor();
    await expect(card.getByText('運転免許証（番号下4桁 1234）').isVisible()).resolves.toBe(true);
    const sheet = card.getByTestId('certificate-page').first();
    await sheet.waitFor();
    // The image is drawn (not a broken image) and comes before the approve button.
    await expect(sheet.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).resolves.toBe(993);
    const [imageTop, buttonTop] = await Promise.all([sheet.boundingBox(), card.getByRole('button', { name: '承認して印刷へ送る' }).boundingBox()]);
    expect(imageTop!.y).toBeLessThan(buttonTop!.y);
    await shot(page, 'console-02-queue');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);
    // From the list, Enter goes to the certificate's pages.
    await page.getByTestId('queue-list').press('Enter');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('証明書の見本');

    await card.getByRole('button', { name: '承認して印刷へ送る' }).click();
    await page.getByRole('status').getByText('受付 A-001を承認しました').waitFor();
    await expect(card.count()).resolves.toBe(0);
    // The keys carry on in the list, where the next request is open.
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('queue-list');
    await shot(page, 'console-03-approved');

    // The vehicle's inbox: the decision, then the print job signed with the key from enrollment.
    const inbox = await vehicle.inbox(0);
    const bodies = inbox.body.messages.map((e: { body: any }) => e.body);
    expect(bodies.map((b: { type: string }) => b.type)).toEqual(['decision', 'print_job']);
    const job = bodies[1];
    expect(job.requestId).toBe(found.requestId);
    expect(verify(null, Buffer.from(printJobSigningInput(job, 'iwaki-car-1')), car.printSigningPublicKey, Buffer.from(job.signature, 'base64'))).toBe(true);
    const pdf = Buffer.from(job.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const stored = await t.hub.store.transaction((tx) => tx.getDocumentForRequest(found.requestId));
    expect(stored!.sha256).toBe(job.sha256);
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(job.sha256);
    // The bytes approved are the bytes previewed: the approval was audited as made after the preview.
    const approval = (await t.hub.store.transaction((tx) => tx.listAudit({ requestId: found.requestId, action: 'request.approved' })))[0]!;
    expect(JSON.parse(approval.detail)).toMatchObject({ previewed: true });
    expect(stored!.serial).toMatch(/^20\d{6}-[A-Z2-9]{8}$/);

    // Reject the one the registry cannot find, with a reason for the staff in the vehicle.
    const second = page.locator(`[data-request-id="${unknown.requestId}"]`);
    await expect(second.getByRole('button', { name: '承認して印刷へ送る' }).isDisabled()).resolves.toBe(true);
    await second.getByRole('button', { name: '却下する' }).click();
    await second.getByLabel('却下の理由').fill('住民記録に該当する方がいません。住所と生年月日をご本人に確かめてください。');
    await shot(page, 'console-04-reject-reason');
    await second.getByRole('button', { name: '却下を確定する' }).click();
    await page.getByRole('status').getByText('受付 A-002を却下しました').waitFor();
    const after = await vehicle.inbox(2);
    expect(after.body.messages[0].body).toMatchObject({ type: 'decision', decision: 'rejected', requestId: unknown.requestId });

    // The vehicle prints and hands over; the day view shows every request, its step and who acted.
    await vehicle.deliver(['PRINTED', 'CHECK_OK', 'PAID', 'HANDED_OVER'].map((e) => eventMessage(found.requestId, e)));
    await page.getByRole('button', { name: '一日の記録' }).click();
    await page.locator('input[type="date"]').fill('2026-11-24');
    await page.getByText('すべての請求（2件）').waitFor();
    await page.getByRole('cell', { name: '交付済み' }).first().waitFor();
    await page.getByText(`承認 ${clerk.operatorId}`).waitFor();
    await shot(page, 'console-05-day');
    expect(errors).toEqual([]);
  });
});
