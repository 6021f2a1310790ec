// Receipts on the ESC/POS emulator over real TCP: what it decodes is what a person would read.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { FieldCipher } from '../../electron/core/crypto';
import { openDatabase, type Db } from '../../electron/core/db';
import { PrintLedger } from '../../electron/core/print-jobs';
import { receiptProfiles, type ReceiptProfile } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { layoutReceipt } from '../../native/printer/receipts';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir>;
let db: Db;
let emulator: EscposEmulator;
let ledger: PrintLedger;
const clock = new ManualClock(new Date('2026-11-24T01:05:00.000Z'));

function ledgerFor(profile: ReceiptProfile, jobTimeoutMs = 5_000): PrintLedger {
  return new PrintLedger({
    db,
    clock,
    cipher: new FieldCipher(randomBytes(32)),
    // Not used here: these tests print receipts only.
    certificatePrinter: new IppCertificatePrinter({ uri: 'ipp://127.0.0.1:9/ipp/print' }),
    receiptPrinter: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile, jobTimeoutMs }),
  });
}

beforeEach(async () => {
  tmp = tempDir();
  db = openDatabase(join(tmp.dir, 'ledger.sqlite3'));
  emulator = new EscposEmulator();
  await emulator.start();
  ledger = ledgerFor(receiptProfiles['kanji-80mm']);
});
afterEach(async () => {
  await emulator.stop();
  db.close();
  tmp.remove();
});

const fee = (n: number) => ({
  type: 'fee_receipt' as const,
  receiptNumber: `R-${String(n).padStart(4, '0')}`,
  issuedAt: clock.now().toISOString(),
  items: [{ kind: 'juminhyo' as const, copies: 2, unitFeeYen: 300 }, { kind: 'kotei_shisan_hyoka' as const, copies: 1, unitFeeYen: 400 }],
  totalYen: 1000,
  paymentMethod: 'cash' as const,
  tenderedYen: 5000,
  changeYen: 4000,
  staffId: 'S017',
});

const expectedText = (data: ReturnType<typeof fee>) =>
  layoutReceipt(data)
    .lines.flatMap((l) => (l.type === 'text' ? [l.text] : l.type === 'rule' ? ['-'.repeat(48)] : Array<string>(l.lines).fill('')))
    .join('\n');

describe('Japanese receipts on the ESC/POS emulator', () => {
  it('decodes to exactly the text sent: kanji, full-width digits and the ￥ sign', async () => {
    const job = ledger.enqueueReceipt({ receipt: fee(1) });
    expect((await ledger.run(job.id)).state).toBe('done');
    const [printed] = emulator.receipts;
    expect(printed?.text).toBe(expectedText(fee(1)));
    expect(printed?.text).toContain('固定資産評価証明書');
    expect(printed?.text).toMatch(/お預かり +￥５，０００/);
    expect(printed?.text).toMatch(/おつり +￥４，０００/);
    expect(emulator.unknownCommands).toEqual([]);
  });

  it('writes each receipt as a .txt staff can open and a .png picture', async () => {
    await emulator.stop();
    emulator = new EscposEmulator({ outputDir: join(tmp.dir, 'receipts') });
    await emulator.start();
    ledger = ledgerFor(receiptProfiles['kanji-80mm']);
    await ledger.run(ledger.enqueueReceipt({ receipt: fee(2) }).id);
    const files = emulator.receipts[0]!.files!;
    for (let i = 0; i < 100 && !existsSync(files.png); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(files.txt, 'utf8')).toContain('領収番号 R-0002');
    expect(existsSync(files.png)).toBe(true);
    expect(readFileSync(files.png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('prints through a raster profile as images, for printers without a kanji font', async () => {
    ledger = ledgerFor(receiptProfiles['raster-80mm']);
    await ledger.run(ledger.enqueueReceipt({ receipt: fee(3) }).id);
    expect(emulator.receipts[0]?.images).toBeGreaterThan(0);
    expect(emulator.receipts[0]?.text).toBe('');
  });

  it('does not send a job to a printer reporting paper end: holds it with a staff message, then prints it once after refill', async () => {
    emulator.setCondition('paper_end');
    const job = ledger.enqueueReceipt({ receipt: fee(4) });
    const held = await ledger.run(job.id);
    expect(held).toMatchObject({ state: 'held', attempts: 0, problemCode: 'paper-end', staffMessage: 'レシート用紙がありません。ロール紙を補充してください。' });
    expect(emulator.printCommands).toBe(0);

    emulator.setCondition('ok'); // paper refilled
    const resumed = await ledger.resumeHeld('receipt');
    expect(resumed.map((j) => j.state)).toEqual(['done']);
    await ledger.resumeHeld('receipt');
    expect(emulator.receipts).toHaveLength(1);
    expect(emulator.receipts[0]?.text).toContain('領収番号 R-0004');
  });

  it('does not send a job while the cover is open', async () => {
    emulator.setCondition('cover_open');
    const held = await ledger.run(ledger.enqueueReceipt({ receipt: fee(5) }).id);
    expect(held.problemCode).toBe('cover-open');
    expect(emulator.printCommands).toBe(0);
  });

  it('prints when paper is only near its end, and keeps that as a warning', async () => {
    emulator.setCondition('near_end');
    const done = await ledger.run(ledger.enqueueReceipt({ receipt: fee(6) }).id);
    expect(done.state).toBe('done');
  });

  it('marks a job outcome_unknown when the printer dies mid-job, and does not resend it when the printer is back', async () => {
    ledger = ledgerFor(receiptProfiles['kanji-80mm'], 10_000);
    emulator.setDelay(300);
    const job = ledger.enqueueReceipt({ receipt: fee(7) });
    const running = ledger.run(job.id);
    for (let i = 0; i < 100 && emulator.raw.length < 100; i++) await new Promise((r) => setTimeout(r, 10));
    const port = emulator.port;
    await emulator.crash();
    const result = await running;
    expect(result.state).toBe('outcome_unknown');

    emulator = new EscposEmulator();
    await emulator.start(port);
    await ledger.resumeHeld('receipt');
    expect((await ledger.run(job.id)).state).toBe('outcome_unknown');
    expect(emulator.raw.length).toBe(0);
  });

  it('stops a job whose paper runs out during printing and calls its outcome unknown', async () => {
    const printer = new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], segmentBytes: 64 });
    emulator.setDelay(5);
    const doc = layoutReceipt(fee(8));
    const printing = printer.print({ jobId: 'x', document: doc });
    for (let i = 0; i < 200 && emulator.statusRequests < 6; i++) await new Promise((r) => setTimeout(r, 2));
    emulator.setCondition('paper_end');
    await expect(printing).rejects.toMatchObject({ code: 'RECEIPT_STOPPED_DURING_JOB', sent: true });
  });

  it('prints 100 receipts in a row with none lost and none twice', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => ledger.enqueueReceipt({ receipt: fee(100 + i) }).id);
    const results = await ledger.resumeHeld('receipt');
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results.every((r) => r.state === 'done' && r.attempts === 1)).toBe(true);
    const numbers = emulator.receipts.map((r) => /領収番号 (R-\d+)/.exec(r.text)?.[1]);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => `R-${String(100 + i).padStart(4, '0')}`));
  });
});
