// A whole outing and the city's records, in real Chromium: staff start a 地区定期巡回, a certificate goes
// through the seven steps (approved at city hall, printed on ippeveprinter, paid in cash), a resident
// has a video consultation over coturn, staff tally a フレイル check and two people given explanations,
// sell a garbage ticket, count the cash short by 100 yen, give the reason and close — the 日計表 comes
// out of the receipt printer and the record reaches city hall once. The planning staff then see the
// outing in the records table, its services in the charts, and the close with its reason.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server/data-dir';
import { tokyoDate } from '../../protocol/visit-calendar';
import { screenshotDir, shot } from '../support/browser';
import { consultantGoesAvailable, framesAfter, startConsultationRig, type ConsultationRig } from '../support/consultation-rig';
import { demoStaff, tempDir } from '../support/fixtures';
import { approverCredentials } from '../support/hub';
import { startVehiclePrinters, type VehiclePrinters } from '../support/ippeveprinter';

const planner = { id: 'K0100', displayName: '企画 一郎', password: 'planning-password-for-e2e' };

let tmp: ReturnType<typeof tempDir>;
let printers: VehiclePrinters;
let rig: ConsultationRig;
let operator: Page;
let planning: Page;

beforeAll(async () => {
  tmp = tempDir();
  printers = await startVehiclePrinters(tmp.dir);
  rig = await startConsultationRig({ hostArgs: ['--printers', printers.configFile] });
  await addOperator(rig.hub.hub.store, { id: planner.id, displayName: planner.displayName, role: 'planning', password: planner.password, actor: 'test' });
  const desk = { viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true };
  operator = await (await rig.browser.newContext(desk)).newPage();
  planning = await (await rig.browser.newContext({ ...desk, acceptDownloads: true })).newPage();
}, 120_000);

afterAll(async () => {
  await rig?.stop();
  await printers?.stop();
  tmp?.remove();
});

async function consoleSignIn(page: Page, who: { operatorId: string; password: string }) {
  await page.goto(`${rig.hub.hub.url}/`);
  await page.getByLabel('職員番号').fill(who.operatorId);
  await page.getByLabel('パスワード').fill(who.password);
  await page.getByRole('button', { name: 'サインイン' }).click();
}

const count = (staff: Page, service: string) => staff.getByTestId('outing-counts').locator(`[data-service=${service}] dd`).textContent();

describe('an outing from start to the records', () => {
  it('counts a certificate, a consultation, tallies and a ticket, closes the cash with a reason, and shows in the planning console', async () => {
    const { staff, resident, consultant } = rig;
    const home = () => staff.getByRole('button', { name: 'お出かけ市役所', exact: true }).click();
    const relayed = () => staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 30_000 });

    // 運行開始: 地区定期巡回（川前）.
    await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
    await staff.locator('input[name=pin]').fill(demoStaff.pin);
    await staff.getByRole('button', { name: 'サインイン' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行：未開始' }).waitFor();
    await staff.getByRole('button', { name: '運行を開始' }).first().click();
    await staff.getByRole('radio', { name: '地区定期巡回' }).click();
    await staff.getByRole('radio', { name: '川前' }).click();
    await staff.getByRole('checkbox', { name: '小名浜 次郎' }).click();
    await staff.locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行中：地区定期巡回（川前）' }).waitFor();

    // A certificate through the seven steps, city hall reachable.
    await home();
    await staff.getByRole('button', { name: '＋ 新しい受付' }).click();
    await staff.getByRole('radio', { name: '住民票の写し' }).click();
    await staff.locator('input[name="subject.name"]').fill('磐城 髙子');
    await staff.locator('input[name="subject.kana"]').fill('いわき たかこ');
    await staff.locator('input[name="subject.birthDate"]').fill('1953-06-14');
    await staff.locator('input[name="subject.address"]').fill('福島県いわき市川前町上桶売字架空1-2');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.locator('input[name=last4a]').fill('1234');
    await staff.getByRole('button', { name: '本人確認を記録する' }).click();
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();
    await staff.getByTestId('step').filter({ hasText: '送信済み' }).waitFor({ timeout: 30_000 });

    await consoleSignIn(operator, approverCredentials);
    await operator.locator('[data-request-id]').filter({ hasText: '住民票の写し' }).first().getByRole('button', { name: '承認して印刷へ送る' }).click();
    await operator.getByRole('status').getByText('を承認しました').waitFor();
    await staff.getByTestId('step').filter({ hasText: '印刷済み' }).waitFor({ timeout: 30_000 });
    expect(readdirSync(printers.ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    await staff.getByRole('button', { name: '正しく印刷されている' }).click();
    await staff.locator('input[name=tendered]').fill('1000');
    await staff.getByRole('button', { name: '収納する' }).click();
    await staff.getByText('おつりは 700円 です。').waitFor();
    await staff.getByRole('button', { name: '交付した' }).click();
    await staff.getByTestId('purged').waitFor({ timeout: 30_000 });

    // A video consultation (手話), connected and ended.
    await consultantGoesAvailable(consultant, ['手話']);
    await home();
    await staff.getByRole('button', { name: 'ビデオ相談' }).click();
    await staff.locator('button[data-department=sign_language]').getByText('対応できる相談員 1人').waitFor();
    await staff.locator('button[data-department=sign_language]').click();
    await consultant.getByTestId('desk-waiting').waitFor();
    await consultant.getByRole('button', { name: '受ける' }).click();
    await framesAfter(resident, 0, 30_000);
    await staff.getByTestId('call-live').waitFor();
    await staff.getByRole('button', { name: '相談を終える' }).click();
    await staff.getByRole('button', { name: 'はい、終える' }).click();
    await staff.getByTestId('call-finished').waitFor();

    // Tallies by hand and a garbage ticket sold in cash (the outing badge opens the tally screen).
    await staff.getByTestId('outing-badge').click();
    await staff.getByRole('button', { name: 'フレイルチェック を1増やす' }).click();
    await staff.getByRole('button', { name: '説明者数 を1増やす' }).click();
    await staff.getByRole('button', { name: '説明者数 を1増やす' }).click();
    await staff.getByRole('radio', { name: /粗大ごみ処理券 700円/ }).click();
    await staff.getByTestId('goods-sale').locator('input.big-input').fill('1000');
    await staff.getByTestId('goods-sale').getByText('おつり 300円').waitFor();
    await staff.getByRole('button', { name: '販売して領収書を印刷' }).click();
    await staff.getByRole('status').filter({ hasText: '販売を記録しました' }).waitFor();
    await expect.poll(() => count(staff, 'total')).toBe('4人');
    expect(await count(staff, 'certificate')).toBe('1人');
    expect(await count(staff, 'consultation')).toBe('1人');
    expect(await count(staff, 'frailty')).toBe('1人');
    expect(await count(staff, 'garbage_ticket')).toBe('1人');
    expect(await count(staff, 'explained')).toBe('2人');
    await shot(staff, 'outing-records-01-tally');

    // The close: 1,000 yen expected (300 fee + 700 ticket); 900 counted, the reason given.
    await staff.getByRole('button', { name: '運行の開始・終了' }).click();
    await staff.getByRole('button', { name: '締め（日計表）へ' }).click();
    await staff.getByTestId('close-expected').filter({ hasText: '1,000円' }).waitFor();
    await staff.getByRole('button', { name: '500円玉を1枚増やす' }).click();
    for (let i = 0; i < 4; i++) await staff.getByRole('button', { name: '100円玉を1枚増やす' }).click();
    await staff.getByTestId('close-difference').filter({ hasText: '−100円' }).waitFor();
    await expect(staff.getByRole('button', { name: '締めて運行を終了' }).isDisabled()).resolves.toBe(true);
    await staff.getByLabel('過不足の理由').fill('おつりを100円多く渡した');
    await shot(staff, 'outing-records-02-close');
    const receiptsBefore = printers.receipts.receipts.length;
    await staff.getByRole('button', { name: '締めて運行を終了' }).click();
    await staff.getByTestId('outing-badge').filter({ hasText: '運行：未開始' }).waitFor();
    await printers.receipts.waitForReceipts(receiptsBefore + 1, 15_000);
    const sheet = printers.receipts.receipts.at(-1)!.text;
    for (const words of ['日　計　表', '地区定期巡回', '川前', '住民票の写し', '粗大ごみ処理券', 'おつりを100円多く渡した']) expect(sheet).toContain(words);
    await relayed();
    await staff.getByTestId('outing-last').getByText('実績と日計は市役所に届いています。').waitFor({ timeout: 30_000 });

    // The planning staff: the outing in this fiscal year's table, the charts, the close with its reason.
    await consoleSignIn(planning, { operatorId: planner.id, password: planner.password });
    const today = tokyoDate(new Date());
    const fy = Number(today.slice(5, 7)) < 4 ? Number(today.slice(0, 4)) - 1 : Number(today.slice(0, 4));
    await planning.getByRole('heading', { name: /行政 MaaS 令和\d+年度実績/ }).waitFor();
    const row = planning.locator('table.records tbody tr').filter({ hasText: '川前' });
    await row.waitFor();
    const headings = (await planning.locator('table.records thead th').allTextContents()).map((s) => s.trim());
    const cells = (await row.locator('th, td').allTextContents()).map((s) => s.trim());
    // The row's cells under the table's headings (区分 and 場所 are the row's first two cells).
    expect(Object.fromEntries(headings.map((h, i) => [h, cells[i]]))).toEqual({
      区分: '地区定期巡回', 場所: '川前', 回数: '1回', 証明書: '1人', マイナンバーカード: '0人', ごみ納付券: '1人', 相談: '1人', フレイル: '1人', スマホ市役所: '0人', 計: '4人', 説明者数: '2人',
    });
    await planning.getByText('■ サービス提供者数：4人').waitFor();
    await planning.waitForFunction(() => [...document.querySelectorAll('figure.chart img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await shot(planning, 'outing-records-03-report');
    const png = await planning.request.get(`${rig.hub.hub.url}/api/v1/console/records/charts/services/image.png?fiscalYear=${fy}`);
    expect(png.status()).toBe(200);
    const image = PNG.sync.read(await png.body());
    expect(image.width).toBeGreaterThan(0);
    writeFileSync(join(screenshotDir, 'outing-records-04-chart-services.png'), await png.body());
    const pdf = await planning.request.get(`${rig.hub.hub.url}/api/v1/console/records/report.pdf?fiscalYear=${fy}`);
    const pdfFile = join(tmp.dir, 'report.pdf');
    writeFileSync(pdfFile, await pdf.body());
    expect(execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' })).toContain('川前');

    await planning.getByRole('button', { name: '日計表・手数料' }).click();
    await planning.getByLabel('月').selectOption(today.slice(0, 7));
    const panel = planning.getByTestId('closes-panel');
    await panel.getByText('おつりを100円多く渡した').waitFor();
    expect(await panel.locator('tr[data-outing] td.diff').first().textContent()).toBe('−100円');
    await shot(planning, 'outing-records-05-closes');
  }, 240_000);
});
