// Certificates on a real IPP Everywhere printer (CUPS ippeveprinter), read back from its spool.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { FieldCipher } from '../../electron/core/crypto';
import { openDatabase, type Db } from '../../electron/core/db';
import { PrintLedger } from '../../electron/core/print-jobs';
import { receiptProfiles } from '../../native/printer/config';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { makeSampleCertificatePdf } from '../../native/printer/pdf';
import { tempDir } from '../support/fixtures';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';

let ipp: TestIppPrinter;
let a4: IppCertificatePrinter;
let tmp: ReturnType<typeof tempDir>;
let db: Db;
let ledger: PrintLedger;

beforeEach(async () => {
  ipp = await startTestIppPrinter();
  a4 = new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 });
  tmp = tempDir();
  db = openDatabase(join(tmp.dir, 'ledger.sqlite3'));
  ledger = new PrintLedger({
    db,
    clock: new ManualClock(),
    cipher: new FieldCipher(randomBytes(32)),
    certificatePrinter: a4,
    // Not used here: these tests print certificates only.
    receiptPrinter: new EscposReceiptPrinter({ host: '127.0.0.1', port: 9, profile: receiptProfiles['kanji-80mm'] }),
  });
});
afterEach(async () => {
  await a4.close();
  await ipp.dispose();
  db.close();
  tmp.remove();
});

const spooled = (printerJobId: number | null) => ipp.spooledPdfs().filter((f) => f.startsWith(`${printerJobId}-`));

describe('certificate printing over IPP (ippeveprinter)', () => {
  it('prints a certificate PDF that the printer keeps byte for byte, with the same page count', async () => {
    const pdf = await makeSampleCertificatePdf('C-100', 2);
    const job = ledger.enqueueCertificate({ jobId: 'hub-job-100', requestId: 'r100', pdf, copies: 1 });
    const done = await ledger.run(job.id);
    expect(done.state).toBe('done');
    const [file] = spooled(done.printerJobId);
    expect(file).toBeDefined();
    const kept = readFileSync(join(ipp.spoolDir, file!));
    expect(kept.equals(Buffer.from(pdf))).toBe(true);
    const info = execFileSync('pdfinfo', [join(ipp.spoolDir, file!)], { encoding: 'utf8' });
    expect(info).toMatch(/^Pages:\s+2$/m);
  });

  it('reports an empty tray as media-empty with a Japanese message, holds the job, and prints it once after paper is refilled', async () => {
    await ipp.setPaper(0);
    const status = await a4.status();
    expect(status.ready).toBe(false);
    expect(status.problems).toContainEqual({ code: 'media-empty', message: '用紙がありません。A4用紙を補充してください。', blocking: true });

    const job = ledger.enqueueCertificate({ jobId: 'hub-job-200', requestId: 'r200', pdf: await makeSampleCertificatePdf('C-200'), copies: 1 });
    const held = await ledger.run(job.id);
    expect(held).toMatchObject({ state: 'held', attempts: 0, problemCode: 'media-empty', staffMessage: '用紙がありません。A4用紙を補充してください。' });
    expect(ipp.spooledPdfs()).toEqual([]);

    await ipp.setPaper(250);
    const [resumed] = await ledger.resumeHeld('certificate');
    expect(resumed).toMatchObject({ id: job.id, state: 'done', attempts: 1 });
    await ledger.resumeHeld('certificate');
    expect(ipp.spooledPdfs()).toHaveLength(1);
  });

  it('marks a job outcome_unknown when the printer dies mid-job, and does not resend it when the printer is back', async () => {
    ipp.setPrintDelay(5);
    const job = ledger.enqueueCertificate({ jobId: 'hub-job-300', requestId: 'r300', pdf: await makeSampleCertificatePdf('C-300'), copies: 1 });
    const running = ledger.run(job.id);
    // Wait until the document has reached the printer, then pull the plug.
    for (let i = 0; i < 100 && ipp.spooledPdfs().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await ipp.kill();
    const result = await running;
    expect(result.state).toBe('outcome_unknown');
    expect(result.staffMessage).toMatch(/「印刷済み」か「再印刷を依頼」/);

    expect(ipp.spooledPdfs()).toHaveLength(1);

    // The printer comes back (a fresh spool, so anything new would show); nothing is resent.
    const dead = ipp;
    await dead.dispose();
    ipp = await startTestIppPrinter({ port: dead.port });
    expect((await a4.status()).ready).toBe(true);
    await ledger.resumeHeld('certificate');
    expect((await ledger.run(job.id)).state).toBe('outcome_unknown');
    expect(ipp.spooledPdfs()).toEqual([]);
  });

  it('prints 100 certificates in a row with none lost and none twice', async () => {
    const pdf = await makeSampleCertificatePdf('C-bulk');
    const ids = Array.from({ length: 100 }, (_, i) => ledger.enqueueCertificate({ jobId: `bulk-${i}`, requestId: `r${i}`, pdf, copies: 1 }).id);
    const results = await ledger.resumeHeld('certificate');
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results.every((r) => r.state === 'done' && r.attempts === 1)).toBe(true);
    const files = ipp.spooledPdfs();
    expect(files).toHaveLength(100);
    expect(new Set(results.map((r) => r.printerJobId)).size).toBe(100);
  });
});
