// The print ledger against the real ESC/POS emulator (TCP) and a real ippeveprinter.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { FieldCipher } from '../../electron/core/crypto';
import { openDatabase, type Db } from '../../electron/core/db';
import { PrintLedger } from '../../electron/core/print-jobs';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { makeSampleCertificatePdf } from '../../native/printer/pdf';
import { tempDir } from '../support/fixtures';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';

let ipp: TestIppPrinter;
beforeAll(async () => {
  ipp = await startTestIppPrinter();
});
afterAll(async () => ipp.dispose());

let tmp: ReturnType<typeof tempDir>;
let db: Db;
let emulator: EscposEmulator;
let ledger: PrintLedger;
let a4: IppCertificatePrinter;
const clock = new ManualClock(new Date('2026-11-24T01:00:00.000Z'));

function makeLedger(): PrintLedger {
  return new PrintLedger({
    db,
    clock,
    cipher: new FieldCipher(randomBytes(32)),
    certificatePrinter: a4,
    receiptPrinter: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 2_000 }),
  });
}

beforeEach(async () => {
  tmp = tempDir();
  db = openDatabase(join(tmp.dir, 'ledger.sqlite3'));
  emulator = new EscposEmulator();
  await emulator.start();
  a4 = new IppCertificatePrinter({ uri: ipp.uri });
  ledger = makeLedger();
});
afterEach(async () => {
  await emulator.stop();
  await a4.close();
  db.close();
  tmp.remove();
});

const receipt = (n: number) => ({
  type: 'fee_receipt' as const,
  receiptNumber: `R-${String(n).padStart(4, '0')}`,
  issuedAt: clock.now().toISOString(),
  items: [{ kind: 'inkan' as const, copies: 1, unitFeeYen: 300 }],
  totalYen: 300,
  paymentMethod: 'electronic_money' as const,
  staffId: 'S001',
});

describe('print ledger', () => {
  it('records sending before the first byte and done after the printer confirms', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(1) });
    expect(job.state).toBe('queued');
    const done = await ledger.run(job.id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, resolution: 'printer_confirmed' });
    expect(emulator.receipts).toHaveLength(1);
  });

  it('never prints a job twice: running a done job again sends nothing', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(1) });
    await ledger.run(job.id);
    const again = await ledger.run(job.id);
    expect(again.attempts).toBe(1);
    expect(emulator.receipts).toHaveLength(1);
  });

  it('treats a second delivery of the same certificate job id as the same job, and a different document under that id as a conflict', async () => {
    const pdf = await makeSampleCertificatePdf('C-1');
    const a = ledger.enqueueCertificate({ jobId: 'hub-job-1', requestId: 'r1', pdf, copies: 1 });
    const b = ledger.enqueueCertificate({ jobId: 'hub-job-1', requestId: 'r1', pdf, copies: 1 });
    expect(b.id).toBe(a.id);
    expect(ledger.list({ kind: 'certificate' })).toHaveLength(1);
    const other = await makeSampleCertificatePdf('C-2');
    expect(() => ledger.enqueueCertificate({ jobId: 'hub-job-1', requestId: 'r1', pdf: other, copies: 1 })).toThrow(/内容の違う印刷/);
  });

  it('turns a job left sending by a crash into outcome_unknown at start-up and never sends it by itself', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(1) });
    db.prepare(`UPDATE print_jobs SET state = 'sending' WHERE id = ?`).run(job.id); // the crash happened here
    const restarted = makeLedger();
    expect(restarted.recoverInterrupted()).toBe(1);
    expect(restarted.get(job.id).state).toBe('outcome_unknown');
    expect(restarted.get(job.id).staffMessage).toMatch(/「印刷済み」か「再印刷を依頼」/);
    await restarted.resumeHeld('receipt');
    expect((await restarted.run(job.id)).state).toBe('outcome_unknown');
    expect(emulator.printCommands).toBe(0);
    expect(restarted.needingStaff().map((j) => j.id)).toEqual([job.id]);
  });

  it('lets staff resolve an unknown outcome with 印刷済み', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(1) });
    db.prepare(`UPDATE print_jobs SET state = 'sending' WHERE id = ?`).run(job.id);
    ledger.recoverInterrupted();
    expect(ledger.markPrinted(job.id, 'S001')).toMatchObject({ state: 'done', resolution: 'staff_confirmed_printed' });
    expect(() => ledger.markPrinted(job.id, 'S001')).toThrow(/すでに印刷済み/);
  });

  it('reprints a receipt at once, marked 再発行, when staff ask after an unknown outcome', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(7) });
    db.prepare(`UPDATE print_jobs SET state = 'sending' WHERE id = ?`).run(job.id);
    ledger.recoverInterrupted();
    const { reprintJob } = ledger.requestReprint(job.id, 'S001', '紙詰まりで出てこなかった');
    expect(reprintJob?.reprintOf).toBe(job.id);
    await ledger.run(reprintJob!.id);
    expect(emulator.receipts[0]?.text).toContain('＊＊ 再発行 ＊＊');
    expect(emulator.receipts[0]?.text).toContain('領収番号 R-0007');
    expect(() => ledger.requestReprint(job.id, 'S001', 'もう一度')).toThrow(/再印刷の対象ではありません/);
  });

  it('holds a certificate reprint for city hall’s decision, then prints the reprint job it sends once', async () => {
    const pdf = await makeSampleCertificatePdf('C-9');
    const job = ledger.enqueueCertificate({ jobId: 'hub-job-9', requestId: 'r9', pdf, copies: 1 });
    db.prepare(`UPDATE print_jobs SET state = 'sending' WHERE id = ?`).run(job.id);
    ledger.recoverInterrupted();
    const { reprintRequest, reprintJob } = ledger.requestReprint(job.id, 'S001', 'トナーかすれ');
    expect(reprintJob).toBeUndefined();
    expect(reprintRequest?.status).toBe('pending_approval');
    expect(ledger.list({ kind: 'certificate', state: 'queued' })).toEqual([]);
    expect(ledger.recordReprintDecision(reprintRequest!.id, true, 'OP01')).toMatchObject({ status: 'approved', jobId: job.id });
    expect(() => ledger.recordReprintDecision(reprintRequest!.id, false, 'OP01')).toThrow(/すでに承認または却下/);
    const reprint = ledger.enqueueCertificate({ jobId: 'hub-job-10', requestId: 'r9', pdf, copies: 1, reprintOf: job.id });
    const printed = await ledger.run(reprint.id);
    expect(printed).toMatchObject({ state: 'done', reprintOf: job.id });
    expect(printed.printerJobId).not.toBeNull();
    expect(ipp.spooledPdfs().filter((f) => f.startsWith(`${printed.printerJobId}-`))).toHaveLength(1);
  });

  it('needs a spoiled sheet recorded before a printed certificate can be reprinted', async () => {
    const pdf = await makeSampleCertificatePdf('C-3');
    const job = ledger.enqueueCertificate({ jobId: 'hub-job-3', requestId: 'r3', pdf, copies: 1 });
    await ledger.run(job.id);
    expect(ledger.lastPrintedCertificate('r3')?.id).toBe(job.id);
    expect(() => ledger.requestReprint(job.id, 'S001', '汚れ')).toThrow(/書き損じとして記録/);
    expect(() => ledger.recordSpoiled({ jobId: job.id, reason: ' ', staffId: 'S001' })).toThrow();
    ledger.recordSpoiled({ jobId: job.id, sheets: 2, reason: '印字ずれ', staffId: 'S001' });
    expect(db.prepare(`SELECT day, sheets FROM print_spoilage WHERE job_id = ?`).all(job.id)).toEqual([{ day: '2026-11-24', sheets: 2 }]);
    expect(ledger.requestReprint(job.id, 'S001', '汚れ').reprintRequest?.status).toBe('pending_approval');
  });

  it('holds a job when the receipt printer cannot be reached, without counting it as sent', async () => {
    const job = ledger.enqueueReceipt({ receipt: receipt(1) });
    await emulator.stop();
    const held = await ledger.run(job.id);
    expect(held).toMatchObject({ state: 'held', attempts: 0, problemCode: 'unreachable' });
    expect(held.staffMessage).toMatch(/つながりません/);
  });
});
