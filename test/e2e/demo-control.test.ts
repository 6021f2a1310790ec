// The demo as a newcomer runs it (`odekake demo`), driven through its control page in real Chromium:
// the card comes out of the reader, the vehicle's network is cut and restored, and the A4 printer runs
// out of paper — and the staff and resident screens show each as they would in the vehicle.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, shot, startJuminhyoRequest } from '../support/browser';
import { demoStaff, projectRoot, tempDir } from '../support/fixtures';
import { cliPath } from '../support/host';
import { startPrivatePcscd, type PrivatePcscd } from '../support/pcscd';
import { freePort } from '../support/ports';

let tmp: ReturnType<typeof tempDir>;
let pcscd: PrivatePcscd;
let demo: ChildProcess;
let out = '';
let browser: Browser;
let control: Page;
let staff: Page;
let resident: Page;
let operator: Page;

/** A line the demo printed, by its label (the value after the label). */
function printed(pattern: RegExp): string {
  const m = pattern.exec(out);
  if (!m?.[1]) throw new Error(`the demo did not print ${pattern}: ${out}`);
  return m[1];
}

beforeAll(async () => {
  tmp = tempDir('odekake-demo-');
  pcscd = await startPrivatePcscd(); // sets PCSCLITE_CSOCK_NAME, which the demo process inherits
  const [port, hubPort, turnPort] = [await freePort(), await freePort(), await freePort()];
  demo = spawn(
    process.execPath,
    [join(projectRoot, 'bin', 'odekake.js'), 'demo', '--data', tmp.dir, '--port', String(port), '--hub-port', String(hubPort),
      '--turn-port', String(turnPort), '--control-port', '0', '--vpcd-port', String(pcscd.port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let err = '';
  demo.stdout!.on('data', (d) => (out += String(d)));
  demo.stderr!.on('data', (d) => (err += String(d)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('止めるには Ctrl+C')) resolve();
    };
    demo.stdout!.on('data', check);
    demo.once('exit', (code) => reject(new Error(`the demo exited (${code}) before it was ready: ${out}\n${err}`)));
  });
  expect(cliPath).toContain('dist');
  browser = await launchChromium();
  const viewport = { width: 1280, height: 900 };
  control = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
  staff = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' })).newPage();
  resident = await (await browser.newContext({ viewport, locale: 'ja-JP' })).newPage();
  // The hub's certificate comes from its own CA, which this throwaway browser profile does not trust.
  operator = await (await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    const exited = new Promise<void>((r) => demo.once('exit', () => r()));
    demo.kill('SIGTERM');
    await exited;
  }
  await pcscd?.stop();
  tmp?.remove();
});

describe('the demo control page', () => {
  it('pulls the card, cuts and restores the network, runs the A4 printer out of paper and restarts the hub, as the screens show', async () => {
    const controlUrl = printed(/デモの操作:\s+(\S+)/);
    expect(controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}$/);
    // The demo's accounts: the certificate operator approves; the tax department judges り災証明書; the admin manages.
    const shomeiPassword = printed(/職員番号 shomei \/ パスワード (\S+)/);
    expect(out).toMatch(/管理 \(車両・職員・災害・保留メッセージ・監査ログ\): 管理者 admin/);
    expect(out).toMatch(/り災証明書の審査 \(税務担当・資産税課\): 職員番号 zeimu \/ パスワード \S+/);
    expect(out).toMatch(/架空のデータ: 訪問予約 3件.*災害「架空の大雨災害/);

    await control.goto(controlUrl);
    await control.getByTestId('card-state').filter({ hasText: 'カードリーダーに入っています：山﨑　髙志' }).waitFor();
    for (const name of ['渡邉　そら', '山﨑　髙志', '𠮷田　花子']) await control.getByText(name, { exact: true }).waitFor();
    await control.getByText('暗証番号 4721').waitFor();
    await shot(control, 'demo-01-control-page');

    await resident.goto(printed(/お客様画面:\s+(\S+)/));
    await staff.goto(printed(/職員画面:\s+(\S+)/));

    // The card in the reader fills the request and checks identity; the resident is asked to take it out,
    // and the control page takes it out.
    await startJuminhyoRequest(staff, demoStaff);
    await staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).waitFor({ timeout: 20_000 });
    const typePin = async () => {
      await resident.getByText('暗証番号（数字4けた）を押してください').waitFor();
      for (const d of '4721') await resident.getByRole('button', { name: d, exact: true }).click();
      await resident.getByRole('button', { name: '決定' }).click();
    };
    await staff.getByTestId('fill-from-card').click();
    await typePin();
    await staff.getByText('カードの内容を入力しました。').waitFor();
    await staff.locator('input[name="subject.kana"]').fill('やまざき たかし');
    await staff.getByRole('button', { name: '受け付ける' }).click();
    await staff.getByText('次は本人確認です。').waitFor();
    await staff.getByRole('button', { name: 'マイナンバーカードで確認する' }).click();
    await typePin();
    await staff.getByTestId('step').filter({ hasText: '本人確認済み' }).waitFor();
    await resident.getByText('カードをお取りください。').waitFor();
    await shot(resident, 'demo-02-resident-take-the-card');
    await control.getByRole('button', { name: 'カードを抜く' }).click();
    await control.getByTestId('card-state').filter({ hasText: 'カードは抜いてあります' }).waitFor();
    await resident.getByText('カードをお取りください。').waitFor({ state: 'detached', timeout: 10_000 });
    await shot(resident, 'demo-03-resident-after-card-pulled');

    // The vehicle loses its network: the request is kept and queued, the staff screen says offline.
    await control.getByRole('button', { name: '通信を切る' }).click();
    await control.getByTestId('network-state').filter({ hasText: '切れています' }).waitFor();
    await staff.getByRole('button', { name: 'お客様画面に表示する' }).click();
    await resident.getByRole('button', { name: 'この内容で申し込む' }).click();
    await resident.getByText('ありがとうございました。').waitFor();
    await staff.getByTestId('queued').waitFor();
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).filter({ hasText: '送信待ち 1件' }).waitFor({ timeout: 20_000 });
    await shot(staff, 'demo-04-staff-offline-queued');
    await shot(control, 'demo-05-control-network-cut');

    // Restored: the request relays by itself and reaches city hall.
    await control.getByRole('button', { name: '通信を戻す' }).click();
    await staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 20_000 });
    await staff.getByTestId('step').filter({ hasText: '送信済み' }).waitFor();

    // The A4 printer runs out of paper before city hall approves: the certificate is held, not lost.
    const a4 = control.locator('[data-printer="certificate"]');
    await a4.getByRole('button', { name: '用紙を切らす' }).click();
    await control.getByTestId('printer-certificate').filter({ hasText: '用紙切れ' }).waitFor();
    await operator.goto(printed(/市役所の操作画面:\s+(\S+)/));
    await operator.getByLabel('職員番号').fill('shomei');
    await operator.getByLabel('パスワード').fill(shomeiPassword);
    await operator.getByRole('button', { name: 'サインイン' }).click();
    const request = operator.locator('[data-request-id]').filter({ hasText: '住民票の写し' }).first();
    await request.getByText('住民記録：該当あり').waitFor();
    await request.getByRole('button', { name: '承認して印刷へ送る' }).click();
    await operator.getByRole('status').getByText('を承認しました').waitFor();
    const held = staff.getByTestId('print-attention-held');
    await held.getByText('用紙がありません。A4用紙を補充してください。').waitFor({ timeout: 20_000 });
    await shot(staff, 'demo-06-staff-print-held-paper-out');
    const spooled = () => readdirSync(join(tmp.dir, 'printers', 'certificates')).filter((f) => f.endsWith('.pdf'));
    expect(spooled()).toEqual([]);

    // Refilled from the control page; staff resume, and it prints once.
    await a4.getByRole('button', { name: '用紙を補充する' }).click();
    await control.getByTestId('printer-certificate').filter({ hasText: '正常' }).waitFor();
    await held.getByRole('button', { name: '直したので印刷を再開する' }).click();
    await staff.getByTestId('step').filter({ hasText: '印刷済み' }).waitFor({ timeout: 20_000 });
    await held.waitFor({ state: 'detached' });
    expect(spooled()).toHaveLength(1);
    await shot(staff, 'demo-07-staff-printed');

    // City hall's hub stops and starts again on the same port and data: the vehicle goes offline and back.
    await control.getByRole('button', { name: 'ハブを止める' }).click();
    await control.getByTestId('hub-state').filter({ hasText: '止まっています' }).waitFor();
    await staff.getByTestId('relay-status').filter({ hasText: 'オフライン' }).waitFor({ timeout: 20_000 });
    await control.getByRole('button', { name: 'ハブを起動する' }).click();
    await control.getByTestId('hub-state').filter({ hasText: '動いています' }).waitFor({ timeout: 20_000 });
    await staff.getByTestId('relay-status').filter({ hasText: '市役所と接続中' }).waitFor({ timeout: 20_000 });

    // Another invented resident's card goes in.
    await control.getByRole('listitem').filter({ hasText: '𠮷田　花子' }).getByRole('button', { name: 'このカードにする' }).click();
    await control.getByRole('button', { name: 'カードを入れる' }).click();
    await control.getByTestId('card-state').filter({ hasText: 'カードリーダーに入っています：𠮷田　花子' }).waitFor();
    await shot(control, 'demo-08-control-after');
  }, 180_000);
});
