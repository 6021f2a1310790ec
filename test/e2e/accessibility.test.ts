// Every screen of the terminal and of the hub's console, checked with axe-core (WCAG 2.x A and AA) in
// real Chromium: no serious or critical violation on any of them. One rig serves all: the hub with its
// console, coturn for the video consultation, the terminal host with both printers and the virtual My
// Number card. The screens are visited in the order of the table below, each reached from the one
// before (a certificate request goes through its steps, an outing starts and closes, a call is taken);
// a screenshot of each is saved as a11y-<name>.png. A new screen is one more row in the table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server/data-dir';
import { importRecordsCsv } from '../../hub/server/records';
import { startVirtualCard, type VirtualCardHandle } from '../../native/card/virtual';
import type { BookingInput } from '../../protocol/bookings';
import { earliestBookableVisitDay } from '../../protocol/visit-calendar';
import { describeFindings, seriousViolations } from '../support/axe';
import { shot } from '../support/browser';
import { consultantGoesAvailable, framesAfter, startConsultationRig, type ConsultationRig } from '../support/consultation-rig';
import { demoStaff, projectRoot, tempDir } from '../support/fixtures';
import { adminCredentials, approverCredentials, testVisitRules } from '../support/hub';
import { startVehiclePrinters, type VehiclePrinters } from '../support/ippeveprinter';
import { startPrivatePcscd, type PrivatePcscd } from '../support/pcscd';

const VEHICLE = 'vehicle-call';
const dispatcher = { operatorId: 'D0200', password: 'dispatcher-password-for-tests' };
const planner = { operatorId: 'K0200', password: 'planning-password-for-tests' };
const visitDay = earliestBookableVisitDay(testVisitRules(), 'north', new Date())!;

let tmp: ReturnType<typeof tempDir>;
let pcscd: PrivatePcscd;
let card: VirtualCardHandle;
let printers: VehiclePrinters;
let rig: ConsultationRig;
const consoleRoles = ['operator', 'dispatcher', 'planning', 'admin'] as const;
/** The console signed in as each role, each in its own browser context. */
const consoles = {} as Record<(typeof consoleRoles)[number], Page>;

beforeAll(async () => {
  tmp = tempDir('odekake-a11y-');
  pcscd = await startPrivatePcscd(); // sets PCSCLITE_CSOCK_NAME, which the host process inherits
  card = await startVirtualCard({ profile: 'yamazaki-takashi', port: pcscd.port });
  printers = await startVehiclePrinters(tmp.dir);
  rig = await startConsultationRig({ hostArgs: ['--printers', printers.configFile, '--card'] });
  const store = rig.hub.hub.store;
  await addOperator(store, { id: dispatcher.operatorId, displayName: '配車 次郎', role: 'dispatcher', password: dispatcher.password, actor: 'test' });
  await addOperator(store, { id: planner.operatorId, displayName: '企画 三郎', role: 'planning', password: planner.password, actor: 'test' });
  // One home visit booked and the day given to the vehicle: the calendar and 本日の訪問 have something to show.
  const booking: BookingInput = {
    externalId: 'P-A11Y-1', channel: 'phone', district: '平', date: visitDay, slot: 'am',
    resident: { name: '常磐 トメ', kana: 'じょうばん とめ', birthDate: '1938-02-11', address: 'いわき市平字架空町1-9', phone: '0246-43-1234' },
    eligibility: { reasons: ['elderly'] }, coverage: 'yes', parking: 'no',
    services: [{ type: 'certificate', kind: 'inkan', copies: 1 }, { type: 'consultation', department: 'pension' }],
    notes: '玄関は裏手',
  };
  await rig.hub.hub.bookings.book(booking, 'test');
  await rig.hub.hub.visits.assign({ area: 'north', date: visitDay, vehicleId: VEHICLE }, 'test');
  // The city's printed table of 令和4年度, for the records report.
  await importRecordsCsv(store, { text: readFileSync(join(projectRoot, 'fixtures', 'records', 'r4.csv'), 'utf8'), by: 'test', at: new Date().toISOString() });
  for (const role of consoleRoles) {
    const context = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ignoreHTTPSErrors: true });
    consoles[role] = await context.newPage();
  }
}, 120_000);

afterAll(async () => {
  await rig?.stop();
  await printers?.stop();
  card?.stop();
  await pcscd?.stop();
  tmp?.remove();
});

const staff = () => rig.staff;
const resident = () => rig.resident;
const desk = () => rig.consultant;

async function consoleSignIn(page: Page, who: { operatorId: string; password: string }): Promise<void> {
  await page.goto(`${rig.hub.hub.url}/`);
  await page.getByLabel('職員番号').fill(who.operatorId);
  await page.getByLabel('パスワード').fill(who.password);
  await page.getByRole('button', { name: 'サインイン' }).click();
}

async function typePin(digits: string): Promise<void> {
  for (const d of digits) await resident().getByRole('button', { name: d, exact: true }).click();
  await resident().getByRole('button', { name: '決定' }).click();
}

const step = (text: string) => staff().getByTestId('step').filter({ hasText: text }).waitFor({ timeout: 20_000 });

interface Screen {
  name: string;
  page: () => Page;
  /** Brings the page to the screen, from where the previous row left things. */
  reach: () => Promise<unknown>;
}

const screens: Screen[] = [
  // The resident screen and the staff screen's sign-in.
  { name: 'resident-idle', page: resident, reach: () => resident().getByText('ようこそ。職員がご案内します。').waitFor() },
  { name: 'staff-sign-in', page: staff, reach: () => staff().getByRole('button', { name: 'サインイン' }).waitFor() },
  {
    name: 'staff-request-list', page: staff, reach: async () => {
      await staff().locator('input[name=staffId]').fill(demoStaff.staffId);
      await staff().locator('input[name=pin]').fill(demoStaff.pin);
      await staff().getByRole('button', { name: 'サインイン' }).click();
      await staff().getByRole('button', { name: '＋ 新しい受付' }).waitFor();
    },
  },
  {
    name: 'staff-locked', page: staff, reach: async () => {
      await staff().getByRole('button', { name: 'ロック' }).click();
      await staff().getByRole('button', { name: '再開する' }).waitFor();
    },
  },
  {
    name: 'staff-new-request', page: staff, reach: async () => {
      await staff().locator('input[name=pin]').fill(demoStaff.pin);
      await staff().getByRole('button', { name: '再開する' }).click();
      await staff().getByRole('button', { name: '＋ 新しい受付' }).click();
      await staff().getByRole('radio', { name: '住民票の写し' }).click();
    },
  },
  // A certificate request through its steps.
  {
    name: 'staff-request-identity', page: staff, reach: async () => {
      await staff().locator('input[name="subject.name"]').fill('磐城 髙子');
      await staff().locator('input[name="subject.kana"]').fill('いわき たかこ');
      await staff().locator('input[name="subject.birthDate"]').fill('1953-06-14');
      await staff().locator('input[name="subject.address"]').fill('福島県いわき市三和町下市萱字架空1-2-3');
      await staff().getByRole('button', { name: '受け付ける' }).click();
      await staff().getByText('次は本人確認です。').waitFor();
    },
  },
  {
    name: 'staff-request-identity-checked', page: staff, reach: async () => {
      await staff().locator('input[name=last4a]').fill('1234');
      await staff().getByRole('button', { name: '本人確認を記録する' }).click();
      await step('本人確認済み');
    },
  },
  {
    name: 'resident-confirmation', page: resident, reach: async () => {
      await staff().getByRole('button', { name: 'お客様画面に表示する' }).click();
      await resident().getByRole('button', { name: 'この内容で申し込む' }).waitFor();
    },
  },
  {
    name: 'resident-thanks', page: resident, reach: async () => {
      await resident().getByRole('button', { name: 'この内容で申し込む' }).click();
      await resident().getByText('ありがとうございました。').waitFor();
    },
  },
  { name: 'staff-request-sent', page: staff, reach: () => step('送信済み') },
  // The certificate console (証明書担当).
  { name: 'console-sign-in', page: () => consoles.operator, reach: () => consoles.operator.goto(`${rig.hub.hub.url}/`).then(() => consoles.operator.getByLabel('職員番号').waitFor()) },
  {
    name: 'console-sign-in-refused', page: () => consoles.operator, reach: async () => {
      await consoleSignIn(consoles.operator, { operatorId: approverCredentials.operatorId, password: 'wrong-password-123' });
      await consoles.operator.getByRole('alert').waitFor();
    },
  },
  {
    name: 'console-certificate-queue', page: () => consoles.operator, reach: async () => {
      await consoleSignIn(consoles.operator, approverCredentials);
      await consoles.operator.locator('[data-request-id]').getByText('住民記録：該当あり').waitFor();
    },
  },
  {
    name: 'console-certificate-reject-reason', page: () => consoles.operator, reach: async () => {
      await consoles.operator.getByRole('button', { name: '却下する' }).click();
      await consoles.operator.getByLabel(/却下の理由/).fill('住所をご本人に確かめてください。');
    },
  },
  {
    name: 'console-certificate-question', page: () => consoles.operator, reach: async () => {
      await consoles.operator.getByRole('button', { name: 'やめる' }).click();
      await consoles.operator.getByRole('button', { name: '車両に質問する' }).click();
      await consoles.operator.getByLabel('車両への質問').fill('ご本人の現住所を電話で確かめてください。');
      await consoles.operator.getByRole('button', { name: '質問を送る' }).click();
      await consoles.operator.getByText(/質問済み/).waitFor();
    },
  },
  { name: 'staff-hub-question', page: staff, reach: () => staff().getByTestId('hub-question').waitFor({ timeout: 20_000 }) },
  {
    name: 'console-certificate-approved', page: () => consoles.operator, reach: async () => {
      await consoles.operator.getByRole('button', { name: '承認して印刷へ送る' }).click();
      await consoles.operator.getByRole('status').getByText('を承認しました').waitFor();
    },
  },
  {
    name: 'console-certificate-day', page: () => consoles.operator, reach: async () => {
      await consoles.operator.getByRole('button', { name: '一日の記録' }).click();
      await consoles.operator.getByText(/すべての請求/).waitFor();
    },
  },
  // Back in the vehicle: printed, checked, paid with the receipt printer's cover open, handed over.
  { name: 'staff-request-printed', page: staff, reach: () => step('印刷済み') },
  {
    name: 'staff-request-fee', page: staff, reach: async () => {
      await staff().getByRole('button', { name: '正しく印刷されている' }).click();
      await staff().locator('input[name=tendered]').waitFor();
    },
  },
  {
    name: 'staff-print-attention', page: staff, reach: async () => {
      printers.receipts.setCondition('cover_open');
      await staff().locator('input[name=tendered]').fill('1000');
      await staff().getByRole('button', { name: '収納する' }).click();
      await staff().getByTestId('print-attention-held').waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'staff-request-handed-over', page: staff, reach: async () => {
      printers.receipts.setCondition('ok');
      await staff().getByTestId('print-attention-held').getByRole('button', { name: '直したので印刷を再開する' }).click();
      await printers.receipts.waitForReceipts(1, 10_000);
      await staff().getByRole('button', { name: '交付した' }).click();
      await staff().getByTestId('purged').waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'staff-request-list-handed-over', page: staff, reach: async () => {
      await staff().getByRole('button', { name: '一覧に戻る' }).first().click();
      await staff().locator('[data-request-number]').filter({ hasText: '交付済み' }).waitFor();
    },
  },
  // The My Number card: the resident's PIN pad, and what they see once it is read.
  {
    name: 'resident-pin-pad', page: resident, reach: async () => {
      await staff().getByRole('button', { name: '＋ 新しい受付' }).click();
      await staff().getByRole('radio', { name: '住民票の写し' }).click();
      await staff().getByTestId('fill-from-card').click();
      await resident().getByText('暗証番号（数字4けた）を押してください').waitFor();
    },
  },
  {
    name: 'resident-pin-wrong', page: resident, reach: async () => {
      await typePin('0000');
      await resident().getByRole('alert').filter({ hasText: 'あと2回' }).waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'staff-new-request-from-card', page: staff, reach: async () => {
      await typePin('4721');
      await staff().getByText('カードの内容を入力しました。').waitFor({ timeout: 20_000 });
    },
  },
  { name: 'resident-card-read', page: resident, reach: () => resident().getByText('暗証番号（数字4けた）を押してください').waitFor({ state: 'detached' }) },
  // An outing: start, tally, close (日計表).
  {
    name: 'staff-outing-start', page: staff, reach: async () => {
      card.remove();
      await resident().getByText('ようこそ').waitFor();
      await staff().getByTestId('outing-badge').click();
      await staff().locator('form.outing-start').waitFor();
    },
  },
  {
    name: 'staff-outing-start-place-missing', page: staff, reach: async () => {
      await staff().getByRole('radio', { name: '地区定期巡回' }).click();
      await staff().locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
      await staff().locator('[data-field=place]').filter({ hasText: '場所を選んでください' }).waitFor();
    },
  },
  {
    name: 'staff-outing-tally', page: staff, reach: async () => {
      await staff().getByRole('radio', { name: 'その他' }).click();
      await staff().locator('form.outing-start').getByRole('button', { name: '運行を開始' }).click();
      await staff().getByTestId('outing-badge').filter({ hasText: '運行中' }).waitFor();
      await staff().getByTestId('outing-counts').waitFor();
    },
  },
  {
    name: 'staff-outing-close', page: staff, reach: async () => {
      await staff().getByRole('button', { name: '運行の開始・終了' }).click();
      await staff().getByRole('button', { name: '締め（日計表）へ' }).click();
      await staff().getByTestId('outing-close').waitFor();
    },
  },
  {
    name: 'staff-outing-ended', page: staff, reach: async () => {
      // Nothing was sold: the cash counted (none) is what is expected, and the outing closes without a reason.
      await staff().getByTestId('outing-close').getByRole('button', { name: '締めて運行を終了' }).click();
      await staff().getByTestId('outing-last-close').waitFor();
    },
  },
  // 本日の訪問.
  {
    name: 'staff-visits', page: staff, reach: async () => {
      await staff().getByRole('button', { name: 'お出かけ市役所' }).click();
      await staff().getByRole('button', { name: '本日の訪問' }).click();
      await staff().getByRole('button', { name: '予定を更新' }).click();
      await staff().getByTestId('visit').first().waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'staff-visit-started', page: staff, reach: async () => {
      await staff().getByTestId('visit').first().getByRole('button', { name: '訪問を開始' }).click();
      await staff().getByRole('status').filter({ hasText: '証明書の受付を1件作りました' }).waitFor();
    },
  },
  // A video consultation: the consultant's desk, the staff's departments, the waiting, the call.
  { name: 'console-consultant-desk-sign-in', page: desk, reach: () => desk().getByLabel('職員番号').waitFor() },
  { name: 'console-consultant-desk-available', page: desk, reach: () => consultantGoesAvailable(desk(), ['手話']) },
  {
    name: 'staff-consultation-departments', page: staff, reach: async () => {
      await staff().getByRole('button', { name: 'お出かけ市役所' }).click();
      await staff().getByRole('button', { name: 'ビデオ相談' }).click();
      await staff().locator('button[data-department=sign_language]').getByText('対応できる相談員 1人').waitFor();
    },
  },
  {
    name: 'staff-consultation-waiting', page: staff, reach: async () => {
      await staff().locator('button[data-department=sign_language]').click();
      await staff().getByTestId('call-position').waitFor();
    },
  },
  { name: 'resident-consultation-waiting', page: resident, reach: () => resident().getByTestId('resident-call-waiting').waitFor() },
  { name: 'console-consultant-desk-waiting', page: desk, reach: () => desk().getByTestId('desk-waiting').waitFor() },
  {
    name: 'resident-consultation-call', page: resident, reach: async () => {
      await desk().getByRole('button', { name: '受ける' }).click();
      await Promise.all([framesAfter(desk(), 0), framesAfter(resident(), 0)]);
      await resident().getByTestId('call-caption').getByText(/相談 花子さん/).waitFor();
    },
  },
  { name: 'staff-consultation-call', page: staff, reach: () => staff().getByTestId('call-live').waitFor() },
  { name: 'console-consultant-desk-call', page: desk, reach: () => desk().getByRole('button', { name: '相談を終える' }).waitFor() },
  {
    name: 'staff-consultation-finished', page: staff, reach: async () => {
      await staff().getByRole('button', { name: '相談を終える' }).click();
      await staff().getByRole('button', { name: 'はい、終える' }).click();
      await staff().getByTestId('call-finished').waitFor();
    },
  },
  {
    name: 'console-consultant-desk-records', page: desk, reach: async () => {
      await desk().getByText('きょうの相談').waitFor();
      await desk().locator('details.record summary').first().click();
    },
  },
  // マイナ保険証の紐付け, and with the vehicle's network cut, the note to do it on the next visit.
  {
    name: 'staff-insurance-link', page: staff, reach: async () => {
      await staff().getByRole('button', { name: 'お出かけ市役所' }).click();
      await staff().getByRole('button', { name: 'マイナ保険証の紐付け' }).click();
      await staff().locator('input[name=insurerNumber]').waitFor();
    },
  },
  {
    name: 'staff-insurance-link-next-visit', page: staff, reach: async () => {
      rig.cut();
      await staff().getByTestId('link-offline').waitFor({ timeout: 20_000 });
      await staff().locator('input[name=nextVisitName]').fill('小川 ハナ');
    },
  },
  {
    name: 'staff-insurance-link-next-visit-kept', page: staff, reach: async () => {
      await staff().locator('input[name=nextVisitPhone]').fill('0246-83-0000');
      await staff().getByRole('button', { name: '次回の訪問で行う' }).click();
      await staff().getByTestId('next-visit-booked').waitFor();
      rig.restore();
    },
  },
  // The dispatcher (配車担当): the calendar, the booking form, a booking, the call-back list.
  {
    name: 'console-dispatch-calendar', page: () => consoles.dispatcher, reach: async () => {
      await consoleSignIn(consoles.dispatcher, dispatcher);
      await consoles.dispatcher.getByRole('heading', { name: /〜/ }).waitFor();
      // On to the week of the visit booked above.
      for (let i = 0; i < 6 && (await consoles.dispatcher.locator(`th[data-date="${visitDay}"]`).count()) === 0; i++) {
        await consoles.dispatcher.getByRole('button', { name: '次の週' }).click();
        await consoles.dispatcher.locator('td.loading').first().waitFor({ state: 'detached' });
      }
      await consoles.dispatcher.locator('[aria-label*="予約済み 常磐 トメ"]').waitFor();
    },
  },
  {
    name: 'console-dispatch-booking', page: () => consoles.dispatcher, reach: async () => {
      await consoles.dispatcher.locator('[aria-label*="予約済み 常磐 トメ"]').click();
      await consoles.dispatcher.getByRole('region', { name: '予約の内容' }).waitFor();
    },
  },
  {
    name: 'console-dispatch-cancel-confirm', page: () => consoles.dispatcher, reach: async () => {
      const detail = consoles.dispatcher.getByRole('region', { name: '予約の内容' });
      await detail.getByRole('button', { name: '取消' }).click();
      await consoles.dispatcher.getByLabel('取消の理由（必須）').fill('ご本人の都合');
      await consoles.dispatcher.getByRole('button', { name: '取消を確定する' }).click();
      await consoles.dispatcher.getByRole('alertdialog', { name: '取消の確認' }).waitFor();
    },
  },
  {
    name: 'console-dispatch-booking-form', page: () => consoles.dispatcher, reach: async () => {
      await consoles.dispatcher.getByRole('button', { name: 'いいえ、戻る' }).click();
      await consoles.dispatcher.getByRole('region', { name: '予約の内容' }).getByRole('button', { name: 'カレンダーに戻る' }).click();
      await consoles.dispatcher.getByRole('button', { name: '＋ 電話予約' }).click();
      await consoles.dispatcher.getByRole('heading', { name: '電話予約の受付' }).waitFor();
    },
  },
  {
    name: 'console-dispatch-booking-form-errors', page: () => consoles.dispatcher, reach: async () => {
      await consoles.dispatcher.getByRole('button', { name: 'この内容で予約する' }).click();
      await consoles.dispatcher.locator('[aria-invalid=true]').first().waitFor();
    },
  },
  {
    name: 'console-dispatch-callbacks', page: () => consoles.dispatcher, reach: async () => {
      await consoles.dispatcher.getByRole('button', { name: 'やめる' }).click();
      await consoles.dispatcher.getByRole('button', { name: /^コールバック/ }).click();
      await consoles.dispatcher.getByRole('heading', { name: /お電話する方/ }).waitFor();
    },
  },
  // The planning staff (企画担当): the records report and the daily closes.
  {
    name: 'console-records-report', page: () => consoles.planning, reach: async () => {
      await consoleSignIn(consoles.planning, planner);
      await consoles.planning.getByLabel('年度', { exact: true }).selectOption({ label: '令和4年度（2022年度）' });
      await consoles.planning.getByRole('heading', { name: '行政 MaaS 令和4年度実績' }).waitFor();
      await consoles.planning.waitForFunction(() => [...document.querySelectorAll('figure.chart img')].every((i) => (i as HTMLImageElement).complete));
    },
  },
  {
    name: 'console-records-closes', page: () => consoles.planning, reach: async () => {
      // The close taken in the vehicle above, once the vehicle has sent everything it held.
      await staff().getByTestId('relay-status').filter({ hasText: '送信待ち 0件' }).waitFor({ timeout: 20_000 });
      await consoles.planning.getByRole('button', { name: '日計表・手数料' }).click();
      await consoles.planning.locator('table.closes-list').waitFor();
    },
  },
  // The admin.
  {
    name: 'console-admin', page: () => consoles.admin, reach: async () => {
      await consoleSignIn(consoles.admin, adminCredentials);
      await consoles.admin.getByRole('button', { name: 'サインアウト' }).waitFor();
    },
  },
  // The admin's 災害 screen (the disasters り災証明書 are taken for): the list, and the form with the hub's message beside a field.
  {
    name: 'console-admin-disasters', page: () => consoles.admin, reach: async () => {
      await consoles.admin.getByRole('button', { name: '管理へ' }).click();
      await consoles.admin.getByRole('button', { name: '災害', exact: true }).click();
      const form = consoles.admin.getByRole('form', { name: '災害の登録' });
      await form.getByLabel('災害の名前').fill('令和5年台風第13号');
      await form.getByLabel('種類').selectOption({ label: '台風・大雨' });
      await form.getByLabel('発生日').fill('2023-09-08');
      await form.getByLabel('対象地域').fill('平・内郷');
      await form.getByLabel('写真による自己判定方式を認める').check();
      await form.getByRole('button', { name: '登録する' }).click();
      await consoles.admin.locator('tr[data-disaster-id]').filter({ hasText: '令和5年台風第13号' }).waitFor();
    },
  },
  {
    name: 'console-admin-disasters-errors', page: () => consoles.admin, reach: async () => {
      const form = consoles.admin.getByRole('form', { name: '災害の登録' });
      await form.getByRole('button', { name: '登録する' }).click();
      await form.locator('[aria-invalid=true]').first().waitFor();
    },
  },
];

describe('accessibility of every screen (axe-core, WCAG 2.x A and AA)', () => {
  it('names the rule, the element and the fix of a violation (the check itself can fail)', async () => {
    const page = await (await rig.browser.newContext()).newPage();
    await page.setContent('<html lang="ja"><body><main><h1>見本</h1><input type="text"><p style="color:#aaa;background:#fff">薄い文字</p><button></button></main></body></html>');
    const lines = describeFindings('sample', await seriousViolations(page));
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^sample: \[critical\] label .* at input — Fix any of the following: .*/),
      expect.stringMatching(/^sample: \[serious\] color-contrast .* at p — .*contrast of 2\.\d+/),
      expect.stringMatching(/^sample: \[critical\] button-name .* at button — /),
    ]));
    await page.context().close();
  });

  for (const screen of screens) {
    it(`${screen.name} has no serious or critical violations`, async () => {
      await screen.reach();
      const page = screen.page();
      await shot(page, `a11y-${screen.name}`);
      expect(describeFindings(screen.name, await seriousViolations(page))).toEqual([]);
    }, 60_000);
  }
});
