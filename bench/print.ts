// Time from "print" to the printer's confirmation, through the print ledger (SQLite writes included):
// 100 one-page certificates on ippeveprinter and 100 receipts on the ESC/POS emulator.
//   npx tsx bench/print.ts
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../electron/core/clock';
import { FieldCipher } from '../electron/core/crypto';
import { openDatabase } from '../electron/core/db';
import { PrintLedger } from '../electron/core/print-jobs';
import { receiptProfiles } from '../native/printer/config';
import { EscposEmulator } from '../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../native/printer/ipp-printer';
import { startIppEvePrinter } from '../native/printer/ippeveprinter';
import { makeSampleCertificatePdf } from '../native/printer/pdf';

const N = 100;
const dir = mkdtempSync(join(tmpdir(), 'odekake-bench-print-'));
const ipp = await startIppEvePrinter({ spoolDir: join(dir, 'spool') });
const emulator = new EscposEmulator();
await emulator.start();
const a4 = new IppCertificatePrinter({ uri: ipp.uri });
const db = openDatabase(join(dir, 'bench.sqlite3'));
const ledger = new PrintLedger({
  db,
  clock: systemClock,
  cipher: new FieldCipher(randomBytes(32)),
  certificatePrinter: a4,
  receiptPrinter: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'] }),
});

async function time(label: string, job: (i: number) => string): Promise<number[]> {
  const ms: number[] = [];
  // One untimed job warms the code paths and the kept-alive connection.
  await ledger.run(job(-1));
  for (let i = 0; i < N; i++) {
    const id = job(i);
    const t = performance.now();
    const done = await ledger.run(id);
    ms.push(performance.now() - t);
    if (done.state !== 'done') throw new Error(`${label} job ${i} ended ${done.state}`);
  }
  return ms;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const pdf = await makeSampleCertificatePdf('BENCH', 1);
const certificate = await time('certificate', (i) => ledger.enqueueCertificate({ jobId: `bench-c-${i}`, requestId: `r${i}`, pdf, copies: 1 }).id);
const receipt = await time('receipt', (i) =>
  ledger.enqueueReceipt({
    receipt: {
      type: 'fee_receipt', receiptNumber: `B-${i + 1}`, issuedAt: new Date().toISOString(),
      items: [{ kind: 'juminhyo', copies: 1, unitFeeYen: 300 }], totalYen: 300, paymentMethod: 'cash', tenderedYen: 1000, changeYen: 700, staffId: 'S001',
    },
  }).id,
);

const rows = [
  ['1-page certificate (IPP, ippeveprinter)', certificate, 500],
  ['receipt (ESC/POS emulator, Kanji mode)', receipt, 100],
] as const;
console.log(`print → printer confirmation, ${N} jobs each (ms)`);
console.log('| job | median | p95 | max | target (median) | met |');
console.log('| --- | ---: | ---: | ---: | ---: | :-: |');
for (const [label, xs, target] of rows) {
  const med = pct(xs, 50);
  console.log(`| ${label} | ${med.toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ≤ ${target} | ${med <= target ? 'yes' : 'NO'} |`);
}
if (emulator.receipts.length !== N + 1 || ipp.spooledPdfs().length !== N + 1) throw new Error('a job was lost or duplicated');

await a4.close();
await emulator.stop();
await ipp.stop();
db.close();
rmSync(dir, { recursive: true, force: true });
