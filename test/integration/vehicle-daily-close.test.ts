// The daily close (日計表) of an outing, end to end: the vehicle's terminal core and the real hub over
// mutual TLS, the real printers. Fees in cash and by QR (while city hall is reachable), a garbage
// ticket, a paid request cancelled (its fee due back in cash); the close with a shortfall refused
// without its reason, taken with it, printed, and sent once inside the outing record; at city hall
// the close and the month's fee summary; after the close nothing of that outing's money changes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { OutingMoney } from '../../electron/core/outing-money';
import { TerminalCore } from '../../electron/core/terminal';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import type { ClosesMonthView } from '../../protocol/console-api';
import type { OutingDesk, OutingView } from '../../protocol/outings';
import { CONSOLE_API } from '../../protocol/console-api';
import { contractOn } from '../support/contract';
import { noCash, noTerminal } from '../support/daily-close';
import { demoStaff, feesFile, juminhyoRequest, outingCatalog, staffFile, tempDir } from '../support/fixtures';
import { adminCredentials, approverCredentials, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub;
let core: TerminalCore;
const { ok, fails } = contractOn(() => core);
const clock = new ManualClock(new Date('2026-11-24T00:30:00.000Z'));

let enrollmentDir: string;

function startCore(): TerminalCore {
  const creds = loadEnrollment(enrollmentDir, hub.hub.url);
  const c = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    ...outingCatalog(),
    place: 'vehicle-north-1',
    clock,
    printers: {
      certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
    },
    hub: { transport: new HttpsHubTransport(creds, 3_000), printSigningKey: creds.printSigningKey, retry: { baseMs: 50, maxMs: 200 } },
  });
  c.staff.seedFromFile(staffFile);
  return c;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A request entered, relayed, approved by an operator at city hall, printed and checked: its fee is due. */
async function checkedRequest(operator: ReturnType<typeof operatorClient>, input = juminhyoRequest()): Promise<string> {
  const { id } = await ok('createRequest', input);
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  await until('relay', async () => (await ok('getRequest', { id })).step === 'relayed');
  expect((await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {})).status).toBe(200);
  await until('printed', async () => (await ok('getRequest', { id })).step === 'printed');
  await ok('checkPrinted', { id, ok: true });
  return id;
}

const receiptWith = (words: string) => until(`a receipt with ${words}`, () => emulator.receipts.find((r) => r.text.includes(words))?.text);

beforeEach(async () => {
  tmp = tempDir();
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub') });
  enrollmentDir = (await hub.enroll('vehicle-north-1')).dir;
  core = startCore();
  core.startTimers();
  await ok('signIn', demoStaff);
  await until('online', async () => (await ok('getRelayStatus', {})).online);
});
afterEach(async () => {
  await core.close();
  await hub.stop();
  await emulator.stop();
  await ipp.dispose();
  tmp.remove();
});

describe('the daily close of an outing with city hall', () => {
  it('closes the money with its difference and reason, prints the 日計表, reaches city hall once, and freezes the outing’s payments', async () => {
    const operator = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await operator.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    // The closes are read by planning staff and admins, not by whoever approves certificates.
    const records = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await records.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
    const outing = await ok('startOuting', { kind: 'patrol', place: '川前', staff: ['S0001', 'S0002'] });

    // Fees: two copies in cash (1,000 tendered, 400 back); a 印鑑登録証明書 by QR while city hall answers.
    const cashPaid = await checkedRequest(operator, juminhyoRequest({ copies: 2 }));
    await ok('recordPayment', { id: cashPaid, payment: { method: 'cash', tenderedYen: 1000 } });
    await ok('handOver', { id: cashPaid });
    const qrPaid = await checkedRequest(operator, juminhyoRequest({ kind: 'inkan', juminhyo: undefined }));
    await ok('recordPayment', { id: qrPaid, payment: { method: 'qr_code' } });
    await ok('handOver', { id: qrPaid });
    // A garbage ticket: 700 yen, 1,000 tendered.
    await ok('sellGoods', { itemId: 'sodai_gomi', quantity: 1, method: 'cash', tenderedYen: 1000 });
    // Paid in cash exactly, then cancelled: its 300 yen is due back from the cash.
    const cancelled = await checkedRequest(operator);
    await ok('recordPayment', { id: cancelled, payment: { method: 'cash', tenderedYen: 300 } });
    await ok('cancelRequest', { id: cancelled, reason: 'お客様の都合で取りやめ' });
    // Paid, not yet handed over when the outing closes: cancelled after, their refunds are not this outing's.
    const cancelledLater = await checkedRequest(operator);
    await ok('recordPayment', { id: cancelledLater, payment: { method: 'cash', tenderedYen: 500 } });
    const cancelledInNext = await checkedRequest(operator);
    await ok('recordPayment', { id: cancelledInNext, payment: { method: 'cash', tenderedYen: 300 } });

    const open = (await ok<OutingDesk>('getOutingDesk', {})).open!;
    expect(open.money.map((l) => [l.kind, l.item, l.method, l.amountYen])).toEqual([
      ['fee', 'juminhyo', 'cash', 600], ['fee', 'inkan', 'qr_code', 300], ['goods', '粗大ごみ処理券', 'cash', 700],
      ['fee', 'juminhyo', 'cash', 300], ['refund', 'juminhyo', 'cash', 300], ['fee', 'juminhyo', 'cash', 300], ['fee', 'juminhyo', 'cash', 300],
    ]);
    // Nothing personal in the ledger: amounts, kinds, methods and ids.
    expect(JSON.stringify(core.db.prepare('SELECT * FROM outing_money').all())).not.toMatch(/磐城|髙子|1953/);

    // Expected: 600 + 700 + 300 − 300 + 300 + 300 = 1,900. Counted: 1,800 — a shortfall of 100.
    const counted = { ...noCash(), 1000: 1, 500: 1, 100: 3 };
    const terminalTotals = { ...noTerminal(), qr_code: 300 };
    const refused = await fails('endOuting', { counted, reason: null, terminalTotals });
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', message: '現金が少ないです（100円）。過不足の理由を入力してください。' });
    expect(refused.fields?.[0]?.path).toBe('reason');
    expect((await ok('getOutingDesk', {})).open).not.toBeNull();

    clock.advance(5 * 3600_000);
    await ok('signIn', demoStaff);
    const ended = await ok<OutingView>('endOuting', { counted, reason: 'おつりを100円多く渡した', terminalTotals });
    expect(ended.close!.totals.cash).toEqual({ receivedYen: 3100, changeYen: 900, refundsYen: 300, expectedYen: 1900, countedYen: 1800, differenceYen: -100 });
    expect(ended.close!.totals.cashless.find((c) => c.method === 'qr_code')).toMatchObject({ count: 1, amountYen: 300, terminalYen: 300, differenceYen: 0 });
    expect(core.audit.verify()).toMatchObject({ ok: true });
    const closedAudit = core.db.prepare("SELECT detail FROM audit_log WHERE action = 'outing.closed'").pluck().all() as string[];
    expect(closedAudit).toHaveLength(1);
    expect(JSON.parse(closedAudit[0]!)).toMatchObject({ outingId: outing.id, expectedYen: 1900, countedYen: 1800, differenceYen: -100, qr_codeDifferenceYen: 0 });
    // The reason is free text: the close is kept sealed to its outing.
    const storedClose = core.db.prepare('SELECT close FROM outing_closes WHERE outing_id = ?').pluck().get(outing.id) as string;
    expect(storedClose).toMatch(/^s1:/);
    expect(storedClose).not.toContain('おつり');

    // The 日計表 on the receipt printer, decoded from its ESC/POS bytes.
    const slip = await receiptWith('日　計　表');
    for (const words of [
      '地区定期巡回（川前）', '住民票の写し', '印鑑登録証明書', 'QRコード決済 １件', '粗大ごみ処理券', '【返金】住民票の写し', '千円札 × １', '500円玉 × １', '100円玉 × ３',
      '現金在高（計算）', '￥１，９００', '現金在高（実査）', '￥１，８００', '－￥１００', '理由：おつりを100円多く渡した', '端末日計', '乗車 S0001、S0002', '担当 S0001',
    ]) expect(slip).toContain(words);

    // City hall gets the record with its close, once.
    await until('the record at city hall', async () => !(await ok('getOutingDesk', {})).lastEnded?.recordPending);
    await core.sync!.syncNow();
    const month = await records.call('GET', `${CONSOLE_API.records.closes}?month=2026-11`);
    expect(month.status).toBe(200);
    const view = month.body as ClosesMonthView;
    expect(view.closes).toHaveLength(1);
    expect(view.closes[0]).toMatchObject({ outingId: outing.id, vehicleId: 'vehicle-north-1', expectedYen: 1900, countedYen: 1800, differenceYen: -100, reason: 'おつりを100円多く渡した' });
    expect(view.summary.map((r) => [r.kind, r.item, r.method, r.count, r.amountYen])).toEqual([
      ['fee', 'inkan', 'qr_code', 1, 300], ['fee', 'juminhyo', 'cash', 4, 1500], ['goods', '粗大ごみ処理券', 'cash', 1, 700], ['refund', 'juminhyo', 'cash', 1, 300],
    ]);

    // After the close: the request paid in it is cancelled, and its refund goes to no closed outing.
    const frozen = JSON.stringify((await ok('getOutingDesk', {})).lastEnded!.money);
    await ok('cancelRequest', { id: cancelledLater, reason: '受け取りに来られなかった' });
    expect(JSON.stringify((await ok('getOutingDesk', {})).lastEnded!.money)).toBe(frozen);
    expect(core.db.prepare("SELECT COUNT(*) FROM outing_money WHERE kind = 'refund'").pluck().get()).toBe(1);
    // The store refuses any change to the closed outing's lines, and the ledger says why in Japanese.
    expect(() => core.db.prepare('UPDATE outing_money SET amount_yen = 0 WHERE outing_id = ?').run(outing.id)).toThrow(/outing closed/);
    expect(() => core.db.prepare('DELETE FROM outing_money WHERE outing_id = ?').run(outing.id)).toThrow(/outing closed/);
    const money = new OutingMoney({ db: core.db, clock });
    expect(() =>
      core.db.transaction(() => money.append(outing.id, { kind: 'fee', item: 'juminhyo', quantity: 1, method: 'cash', amountYen: 300, tenderedYen: 300, changeYen: 0, sourceId: 'request-late-1' }))(),
    ).toThrow('この運行は締め済みです。締めた後の入金・返金は変更できません。');

    // A refund due for a request paid in the closed outing goes to the outing open now, never the closed one.
    const next = await ok('startOuting', { kind: 'other', place: null, staff: ['S0001'] });
    await ok('cancelRequest', { id: cancelledInNext, reason: '受け取りに来られなかった' });
    expect((await ok<OutingDesk>('getOutingDesk', {})).open!.money.map((l) => [l.kind, l.sourceId, l.amountYen])).toEqual([['refund', cancelledInNext, 300]]);
    expect((await ok('getOutingDesk', {})).open.id).toBe(next.id);
    expect(core.db.prepare('SELECT COUNT(*) FROM outing_money WHERE outing_id = ?').pluck().get(outing.id)).toBe(7);

    // The record went once: delivering again changes nothing at city hall.
    await core.sync!.syncNow();
    expect(((await records.call('GET', `${CONSOLE_API.records.closes}?month=2026-11`)).body as ClosesMonthView).closes).toHaveLength(1);
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(5);
  }, 120_000);
});
