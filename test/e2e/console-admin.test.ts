// The admin's screens in real Chromium against a real hub: vehicles (revoke with the id typed again),
// operators (add, role, deactivate, a new password shown once), set-aside messages (look, resolve) and
// the audit log (search, pages), the disasters り災証明書 are taken for (list, add; the applications
// themselves are not the admin's). Each action leaves its audit record.
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems } from '../support/axe';
import { launchChromium, shot } from '../support/browser';
import { RISAI_API } from '../../protocol/disaster';
import { warekiWithSeireki } from '../../protocol/wareki';
import { adminCredentials, consoleDist, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub } from '../support/hub';

let t: TestHub;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(`${consoleDist}/console.js`)) throw new Error('dist/renderer/console is missing: run `npm run build` first (npm test does)');
  t = await startTestHub({ consoleDir: consoleDist });
  const car1 = vehicleClient(t.hub.url, await t.enroll('iwaki-car-1'));
  await t.enroll('iwaki-car-9');
  await car1.deliver([
    submitMessage({ input: { subject: { name: '平 架空子', kana: 'たいら かくうこ', birthDate: '1950-05-05', address: '福島県いわき市平字架空1' } } }),
    { type: 'request.submit', idempotencyKey: 'key-broken-0001', requestId: 'broken-request-1' },
  ]);
  // Enough audit records for the log to need a second page.
  await car1.deliver(Array.from({ length: 60 }, () => submitMessage()));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const audited = async (action: string) => (await t.hub.store.transaction((tx) => tx.listAudit({ action }))).map((a) => ({ actor: a.actor, detail: JSON.parse(a.detail) as Record<string, unknown> }));

describe('the admin screens', () => {
  it('vehicles, operators, set-aside messages and the audit log', async () => {
    const errors: string[] = [];
    // The 401 answers the check for a session before sign-in; the one 400 is the short password this test types on purpose.
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && errors.push(m.text()));
    await page.goto(`${t.hub.url}/`);
    await page.getByLabel('職員番号').fill(adminCredentials.operatorId);
    await page.getByLabel('パスワード').fill(adminCredentials.password);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.getByRole('button', { name: '管理へ' }).click();

    // 車両: the one that synced shows when; revoking asks for the id again.
    const car1 = page.locator('tr[data-vehicle-id="iwaki-car-1"]');
    await car1.waitFor();
    await expect(car1.locator('td').nth(3).textContent()).resolves.not.toBe('—');
    await expect(page.locator('tr[data-vehicle-id="iwaki-car-9"] td').nth(3).textContent()).resolves.toBe('—');
    await page.locator('tr[data-vehicle-id="iwaki-car-9"]').getByRole('button', { name: '失効させる…' }).click();
    const confirm = page.getByRole('form', { name: '車両 iwaki-car-9 の失効' });
    await expect(confirm.getByRole('button', { name: '失効させる' }).isDisabled()).resolves.toBe(true);
    await confirm.getByLabel('確認のため車両の番号を入力').fill('iwaki-car-9');
    await shot(page, 'admin-01-vehicles-revoke');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);
    await confirm.getByRole('button', { name: '失効させる' }).click();
    await page.getByRole('status').getByText('車両 iwaki-car-9 を失効させました').waitFor();
    await page.locator('tr[data-vehicle-id="iwaki-car-9"]').getByText(/失効（/).waitFor();
    expect(await audited('vehicle.revoke')).toContainEqual({ actor: 'admin', detail: { vehicleId: 'iwaki-car-9' } });

    // 職員: add one, change the role, switch off, give a new password.
    await page.getByRole('button', { name: '職員' }).click();
    const form = page.getByRole('form', { name: '職員の登録' });
    await form.getByLabel('職員番号').fill('shomei-7');
    await form.getByLabel('氏名').fill('証明 七子');
    await form.getByLabel('最初のパスワード').fill('short');
    await form.getByRole('button', { name: '登録する' }).click();
    await page.getByRole('alert').getByText('パスワードは12文字以上にしてください').waitFor();
    await form.getByLabel('最初のパスワード').fill('first-password-777');
    await form.getByRole('button', { name: '登録する' }).click();
    await page.getByRole('status').getByText('職員 証明 七子（shomei-7）を登録しました').waitFor();
    const row = page.locator('tr[data-operator-id="shomei-7"]');
    await row.waitFor();
    await row.getByLabel('shomei-7 の役割').selectOption('dispatcher');
    await page.getByRole('status').getByText('役割を配車担当にしました').waitFor();
    await row.getByRole('button', { name: '無効にする' }).click();
    await row.getByText('無効', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'パスワードを再発行' }).click();
    const shown = await row.getByTestId('new-password').locator('code').textContent();
    expect(shown).toMatch(/^[A-Za-z2-9]{16}$/);
    await shot(page, 'admin-02-operators');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);
    // Switched off, the new password does not sign in; switched on, it does.
    const op = operatorClient(t.hub.url, t.hub.caCert);
    expect((await op.signIn('shomei-7', shown!)).status).toBe(401);
    await row.getByRole('button', { name: '有効にする' }).click();
    await row.getByText('有効', { exact: true }).waitFor();
    expect((await op.signIn('shomei-7', shown!)).status).toBe(200);
    await row.getByRole('button', { name: '伝えたので消す' }).click();
    await expect(row.getByTestId('new-password').count()).resolves.toBe(0);
    // One's own row cannot be switched off.
    await expect(page.locator('tr[data-operator-id="admin"]').getByRole('button', { name: '無効にする' }).count()).resolves.toBe(0);
    const actions = (await t.hub.store.transaction((tx) => tx.listAudit({}))).filter((a) => a.actor === 'admin').map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['operator.create', 'operator.role', 'operator.deactivate', 'operator.password_reset', 'operator.activate']));

    // 保留メッセージ: what and why, then resolved.
    await page.getByRole('button', { name: '保留メッセージ' }).click();
    const letter = page.locator('[data-dead-letter-id]').filter({ hasText: 'iwaki-car-1' });
    await letter.getByText('MALFORMED_MESSAGE').waitFor();
    await letter.getByText('届いた内容を見る').click();
    await letter.getByText('broken-request-1').waitFor();
    await shot(page, 'admin-03-dead-letters');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);
    await letter.getByLabel('処理').selectOption('resent');
    await letter.getByRole('button', { name: '処理済みにする' }).click();
    await page.getByRole('status').getByText('処理済みにしました（車両から送り直し済み）').waitFor();
    await page.getByText('保留メッセージはありません。').waitFor();
    expect((await audited('dead_letter.resolve'))[0]).toMatchObject({ actor: 'admin', detail: { code: 'MALFORMED_MESSAGE', resolution: 'resent' } });

    // 監査ログ: newest first; by person; by who acted, in pages.
    await page.getByRole('button', { name: '監査ログ' }).click();
    const audit = page.getByRole('search', { name: '監査ログの検索' });
    await page.locator('tr[data-audit-seq]').first().waitFor();
    await audit.getByLabel('対象の方').fill('架空子');
    await audit.getByRole('button', { name: '検索' }).click();
    await expect.poll(() => page.locator('tr[data-audit-seq]').count()).toBe(1);
    await page.locator('tr[data-audit-seq]').filter({ hasText: 'request.relayed' }).waitFor();
    await shot(page, 'admin-04-audit-person');
    await expect(accessibilityProblems(page)).resolves.toEqual([]);
    await audit.getByRole('button', { name: '条件を消す' }).click();
    await expect.poll(() => page.locator('tr[data-audit-seq]').count()).toBe(50);
    const lastOfFirst = Number(await page.locator('tr[data-audit-seq]').last().getAttribute('data-audit-seq'));
    await page.getByRole('button', { name: '古い記録 →' }).click();
    await page.getByText('2ページ目').waitFor();
    await expect.poll(async () => Number(await page.locator('tr[data-audit-seq]').first().getAttribute('data-audit-seq'))).toBe(lastOfFirst - 1);
    await shot(page, 'admin-05-audit-page-two');
    await page.getByRole('button', { name: '← 新しい記録' }).click();
    await page.getByText('1ページ目').waitFor();
    await audit.getByLabel('操作した人').fill('admin');
    await audit.getByRole('button', { name: '検索' }).click();
    await page.locator('tr[data-audit-seq]').filter({ hasText: 'dead_letter.resolve' }).waitFor();
    const firstPage = await page.locator('tr[data-audit-seq]').count();
    expect(firstPage).toBeGreaterThan(10);
    expect(firstPage).toBeLessThanOrEqual(50);
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  it('災害: the admin lists and adds the disasters, with the hub\'s message beside the field, and has no way to the り災 queue', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && errors.push(m.text()));
    await p.goto(`${t.hub.url}/`);
    await p.getByLabel('職員番号').fill(adminCredentials.operatorId);
    await p.getByLabel('パスワード').fill(adminCredentials.password);
    await p.getByRole('button', { name: 'サインイン' }).click();
    // The certificate console's header leads an admin to the other desks, never to the り災 queue.
    await p.getByRole('button', { name: '管理へ' }).waitFor();
    await expect(p.getByRole('button', { name: '実績へ' }).count()).resolves.toBe(1);
    await expect(p.getByRole('button', { name: /り災/ }).count()).resolves.toBe(0);
    await p.getByRole('button', { name: '管理へ' }).click();
    await expect(p.getByRole('button', { name: /り災/ }).count()).resolves.toBe(0);

    await p.getByRole('button', { name: '災害', exact: true }).click();
    const screen = p.getByRole('region', { name: '災害' });
    await screen.getByText('登録された災害はまだありません。').waitFor();
    const form = p.getByRole('form', { name: '災害の登録' });
    // Without a name: the hub's message beside the field, the field marked and focused.
    await form.getByLabel('種類').selectOption({ label: '台風・大雨' });
    await form.getByLabel('発生日').fill('2023-09-08');
    await form.getByLabel('対象地域').fill('平・内郷');
    await form.getByRole('button', { name: '登録する' }).click();
    const nameField = form.locator('.field').filter({ has: p.locator('input[name=name]') });
    await nameField.getByRole('alert').getByText('災害の名前を入力してください。').waitFor();
    await expect(form.locator('input[name=name]').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(p.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('name');
    await expect(form.locator('input[name=area]').getAttribute('aria-invalid')).resolves.toBeNull();
    await shot(p, 'admin-06-disasters-error');
    await expect(accessibilityProblems(p)).resolves.toEqual([]);
    expect(await audited('risai.disaster_added')).toEqual([]);

    // Fixed: added, and in the list with its kind, the date in 和暦 and 西暦, the area and 自己判定方式.
    await form.locator('input[name=name]').fill('令和5年台風第13号');
    await form.getByLabel('写真による自己判定方式を認める').check();
    await form.getByRole('button', { name: '登録する' }).click();
    await p.getByRole('status').getByText('災害「令和5年台風第13号」を登録しました').waitFor();
    const row = screen.locator('tr[data-disaster-id]').filter({ hasText: '令和5年台風第13号' });
    await row.waitFor();
    await expect(row.locator('td').allTextContents()).resolves.toEqual(expect.arrayContaining(['令和5年台風第13号', '台風・大雨', warekiWithSeireki('2023-09-08'), '平・内郷', '認める']));
    expect(warekiWithSeireki('2023-09-08')).toContain('令和5年');
    await expect(nameField.getByRole('alert').count()).resolves.toBe(0);
    await expect(form.locator('input[name=name]').inputValue()).resolves.toBe('');
    await shot(p, 'admin-07-disasters-added');
    await expect(accessibilityProblems(p)).resolves.toEqual([]);
    expect(await audited('risai.disaster_added')).toEqual([{ actor: 'admin', detail: expect.objectContaining({ kind: 'storm_flood', date: '2023-09-08' }) }]);
    // The hub holds it as entered: the list the tax department and the vehicles read.
    const api = operatorClient(t.hub.url, t.hub.caCert);
    await api.signIn(adminCredentials.operatorId, adminCredentials.password);
    expect((await api.call('GET', RISAI_API.console.disasters)).body).toMatchObject([{ name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true }]);
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await context.close();
  });
});
