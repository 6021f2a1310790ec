// The terminal core printing for real: a certificate on ippeveprinter moves the request to 印刷済み,
// the fee receipt comes out of the ESC/POS emulator in Japanese with the payment, a paper end holds
// the receipt until staff say it is fixed, and a job cut off by a crash waits for a person.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { TerminalCore, type TerminalOptions } from '../../electron/core/terminal';
import { reachableHub } from '../support/reachable-hub';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { makeSimplePdf } from '../../native/printer/pdf';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { contractOn } from '../support/contract';

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let core: TerminalCore;
const { ok } = contractOn(() => core);
const clock = new ManualClock(new Date('2026-11-24T01:30:00.000Z'));

/** The terminal with the real printers; with `hub`, city hall answers (a cashless fee needs it). */
function startCore(hub?: TerminalOptions['hub']): TerminalCore {
  const c = new TerminalCore({
    ...(hub ? { hub } : {}),
    dataDir: tmp.dir,
    keys: new KeyFileProvider(join(tmp.dir, 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'test-vehicle',
    clock,
    printers: {
      certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
    },
  });
  c.staff.seedFromFile(staffFile);
  return c;
}


/** A request approved by city hall, waiting for its certificate. */
async function approvedRequest(): Promise<string> {
  const { id } = await ok('createRequest', juminhyoRequest());
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  core.requests.applyExternal(id, { type: 'RELAY_ACKED' }, 'hub');
  core.requests.applyExternal(id, { type: 'APPROVED' }, 'hub');
  return id;
}

const certificatePdf = () => makeSimplePdf({ title: '住民票の写し', pages: [['氏名 磐城 髙子', '住所 福島県いわき市三和町下市萱字架空1-2-3']] });

beforeEach(async () => {
  tmp = tempDir();
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  core = startCore();
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  await emulator.stop();
  await ipp.dispose();
  tmp.remove();
});

describe('printing from the terminal core', () => {
  it('prints an approved certificate on the IPP printer and moves the request to 印刷済み', async () => {
    const id = await approvedRequest();
    const pdf = await certificatePdf();
    const job = await core.printing.printCertificate({ requestId: id, jobId: 'job-cert-1', pdf, copies: 1 });
    expect(job.state).toBe('done');
    expect((await ok('getRequest', { id })).step).toBe('printed');
    const spooled = readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'));
    expect(spooled).toHaveLength(1);
    expect(Buffer.compare(readFileSync(join(ipp.spoolDir, spooled[0]!)), Buffer.from(pdf))).toBe(0);
    // The same job delivered again (a duplicate from city hall) does not print again.
    expect((await core.printing.printCertificate({ requestId: id, jobId: 'job-cert-1', pdf, copies: 1 })).state).toBe('done');
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    expect(core.audit.forRequest(id).map((r) => r.action)).toEqual(expect.arrayContaining(['print.queued', 'print.done', 'request.printed']));
  });

  it('prints the Japanese fee receipt with the payment: amount, change, kind, receipt number and staff', async () => {
    const id = await approvedRequest();
    await core.printing.printCertificate({ requestId: id, jobId: 'job-cert-2', pdf: await certificatePdf(), copies: 1 });
    await ok('checkPrinted', { id, ok: true });
    await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 1000 } });
    await emulator.waitForReceipts(1);
    const text = emulator.receipts[0]!.text;
    for (const words of ['いわき市', '領　収　書', '住民票の写し', '￥３００', '現金', 'お預かり', '￥１，０００', 'おつり', '￥７００', 'R20261124-001', '担当 S0001']) {
      expect(text).toContain(words);
    }
    expect(await ok('listPrintAttention', {})).toEqual([]);
  });

  it('holds the receipt while the printer is out of paper, tells staff, and prints it once after they refill', async () => {
    // The QR payment goes through the payment agent: city hall is reachable.
    await core.close();
    core = startCore(reachableHub());
    await ok('signIn', demoStaff);
    await core.sync!.syncNow();
    const id = await approvedRequest();
    await core.printing.printCertificate({ requestId: id, jobId: 'job-cert-3', pdf: await certificatePdf(), copies: 1 });
    await ok('checkPrinted', { id, ok: true });
    emulator.setCondition('paper_end');
    const seen = new Promise<any[]>((resolve) => core.onEvent((name, payload) => name === 'printAttention' && (payload as any[]).length > 0 && resolve(payload as any[])));
    await ok('recordPayment', { id, payment: { method: 'qr_code' } });
    const [held] = await seen;
    expect(held).toMatchObject({ kind: 'receipt', state: 'held' });
    expect(held.staffMessage).toMatch(/用紙/);
    expect(emulator.receipts).toHaveLength(0);
    emulator.setCondition('ok');
    expect(await ok('resumePrinting', { kind: 'receipt' })).toEqual([]);
    await emulator.waitForReceipts(1);
    expect(emulator.receipts).toHaveLength(1);
    expect(emulator.receipts[0]!.text).toContain('QRコード決済');
  });

  it('after a crash between send and confirmation, asks staff and never resends by itself', async () => {
    const id = await approvedRequest();
    const pdf = await certificatePdf();
    // What a crash leaves behind: the job recorded as sending, no confirmation.
    core.db.transaction(() => core.printing['ledger']!.enqueueCertificate({ jobId: 'job-cut', requestId: id, pdf, copies: 1 }))();
    core.db.prepare("UPDATE print_jobs SET state = 'sending' WHERE id = 'job-cut'").run();
    await core.close();
    core = startCore();
    await ok('signIn', demoStaff);
    const [unknown] = await ok<any[]>('listPrintAttention', {});
    expect(unknown).toMatchObject({ id: 'job-cut', state: 'outcome_unknown' });
    expect(unknown.staffMessage).toContain('「印刷済み」か「再印刷を依頼」');
    expect(await ok('resumePrinting', { kind: 'certificate' })).toHaveLength(1);
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(0);
    // Staff found the sheet in the tray.
    expect(await ok('resolvePrintJob', { jobId: 'job-cut', action: 'printed' })).toEqual([]);
    expect((await ok('getRequest', { id })).step).toBe('printed');
  });

  it('never leaves a printed certificate on a request still at 承認済み: the print and 印刷済み are one commit', async () => {
    const id = await approvedRequest();
    // A crash just after the printer confirmed: whatever records the print fails, so nothing of it commits.
    const ledger = core.printing['ledger']!;
    const pdf = await certificatePdf();
    core.db.transaction(() => ledger.enqueueCertificate({ jobId: 'job-atomic', requestId: id, pdf, copies: 1 }))();
    const job = await ledger.run('job-atomic', () => {
      throw new Error('power cut');
    }).catch((e: Error) => e);
    expect(job).toBeInstanceOf(Error);
    expect(core.db.prepare("SELECT state FROM print_jobs WHERE id = 'job-atomic'").pluck().get()).toBe('sending');
    expect((await ok('getRequest', { id })).step).toBe('approved');

    // What the earlier code could leave behind (the job done, the request not moved on) is mended at start.
    core.db.prepare("UPDATE print_jobs SET state = 'done', done_at = updated_at WHERE id = 'job-atomic'").run();
    await core.close();
    core = startCore();
    await ok('signIn', demoStaff);
    expect((await ok('getRequest', { id })).step).toBe('printed');
  });

  it('sends at start-up a certificate accepted but not yet sent when the terminal stopped, once', async () => {
    const id = await approvedRequest();
    // Accepted from city hall (its inbox message applied), then the laptop stopped before printing.
    core.printing.acceptCertificate({ requestId: id, jobId: 'job-accepted-1', pdf: await certificatePdf(), copies: 1 });
    await core.close();
    core = startCore();
    core.startTimers();
    await ok('signIn', demoStaff);
    for (let i = 0; i < 200 && (await ok('getRequest', { id })).step !== 'printed'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await ok('getRequest', { id })).step).toBe('printed');
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    await core.close();
    core = startCore();
    core.startTimers();
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
  });

  it('turns a certificate reprint request into a wait for the operator, never a print', async () => {
    const id = await approvedRequest();
    core.db.transaction(() => core.printing['ledger']!.enqueueCertificate({ jobId: 'job-cut-2', requestId: id, pdf: Buffer.from('%PDF-1.4 test'), copies: 1 }))();
    core.db.prepare("UPDATE print_jobs SET state = 'sending' WHERE id = 'job-cut-2'").run();
    await core.close();
    core = startCore();
    await ok('signIn', demoStaff);
    expect((await core.call('staff', 'resolvePrintJob', { jobId: 'job-cut-2', action: 'reprint' })).ok).toBe(false);
    expect(await ok('resolvePrintJob', { jobId: 'job-cut-2', action: 'reprint', reason: '用紙詰まりで出てこなかった' })).toEqual([]);
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(0);
    expect(core.db.prepare("SELECT status FROM print_reprint_requests WHERE job_id = 'job-cut-2'").pluck().get()).toBe('pending_approval');
  });
  it('counts a spoiled certificate and asks city hall for a reprint, which prints once when approved', async () => {
    const id = await approvedRequest();
    const pdf = await certificatePdf();
    await core.printing.printCertificate({ requestId: id, jobId: 'job-cert-5', pdf, copies: 1 });
    expect((await ok('checkPrinted', { id, ok: false, reason: '印字がかすれている' })).step).toBe('spoiled');
    expect(core.db.prepare("SELECT job_id, sheets FROM print_spoilage").all()).toEqual([{ job_id: 'job-cert-5', sheets: 1 }]);
    const sent = core.outbox.pending().map((m) => ({ kind: m.kind, payload: m.payload as Record<string, unknown> }));
    expect(sent.map((m) => m.kind).slice(-2)).toEqual(['request.event', 'print.reprint_request']);
    const ask = sent.at(-1)!.payload;
    expect(ask).toMatchObject({ jobId: 'job-cert-5', requestId: id, reason: '印字がかすれている', staffId: demoStaff.staffId });
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);

    // City hall approves: the decision, then the reprint as its own job.
    core.printing.reprintDecided(ask.reprintRequestId as string, true, 'OP01');
    core.printing.acceptCertificate({ requestId: id, jobId: 'job-cert-5r', pdf, copies: 1, reprintOf: 'job-cert-5' });
    expect((await core.printing.run('job-cert-5r')).state).toBe('done');
    expect((await ok('getRequest', { id })).step).toBe('printed');
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(2);
  });
});
