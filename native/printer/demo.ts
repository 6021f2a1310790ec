// The printers of the demo: a real IPP printer (ippeveprinter) spooling certificates into `dir`, and
// the ESC/POS emulator writing each receipt into `dir` as a .txt and a .png staff can open. Either can
// be put out of paper or have its cover opened, and back, from the demo's control page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EscposEmulator } from './escpos-emulator';
import { startIppCoverFront } from './ipp-cover';
import { startIppEvePrinter } from './ippeveprinter';
import type { PrinterConfig } from './config';

export interface PrinterEmulators {
  /** ipp://127.0.0.1:PORT/ipp/print */
  certificateUri: string;
  receiptHost: string;
  receiptPort: number;
  /** Where spooled PDFs (certificates/) and receipts (receipts/) land. */
  certificateDir: string;
  receiptDir: string;
  /** A ready-made configuration pointing at both. */
  config: PrinterConfig;
  emulator: EscposEmulator;
  readonly conditions: Record<DemoPrinter, DemoPrinterCondition>;
  setCondition(printer: DemoPrinter, condition: DemoPrinterCondition): Promise<void>;
  stop(): Promise<void>;
}

export type DemoPrinter = 'certificate' | 'receipt';
export type DemoPrinterCondition = 'ok' | 'paper_out' | 'cover_open';

/** Sheets in the A4 printer's main tray when it is filled (ippeveprinter's tray holds 250). */
const FULL_TRAY = 250;

export async function startPrinterEmulators(options: { dir: string; receiptPort?: number; ippPort?: number }): Promise<PrinterEmulators> {
  const certificateDir = join(options.dir, 'certificates');
  const receiptDir = join(options.dir, 'receipts');
  mkdirSync(certificateDir, { recursive: true });
  const ipp = await startIppEvePrinter({ spoolDir: certificateDir, ...(options.ippPort ? { port: options.ippPort } : {}) });
  const emulator = new EscposEmulator({ outputDir: receiptDir });
  let receiptPort: number;
  let cover: Awaited<ReturnType<typeof startIppCoverFront>>;
  try {
    await ipp.setPaper(FULL_TRAY);
    cover = await startIppCoverFront({ targetPort: ipp.port });
    receiptPort = await emulator.start(options.receiptPort ?? 0);
  } catch (err) {
    await ipp.stop();
    throw err;
  }
  const conditions: Record<DemoPrinter, DemoPrinterCondition> = { certificate: 'ok', receipt: 'ok' };
  return {
    certificateUri: cover.uri,
    receiptHost: '127.0.0.1',
    receiptPort,
    certificateDir,
    receiptDir,
    emulator,
    config: {
      certificate: { uri: cover.uri, jobTimeoutMs: 120_000 },
      receipt: { host: '127.0.0.1', port: receiptPort, profile: 'kanji-80mm', connectTimeoutMs: 3_000, jobTimeoutMs: 30_000 },
    },
    conditions,
    async setCondition(printer, condition) {
      if (printer === 'receipt') {
        emulator.setCondition(condition === 'paper_out' ? 'paper_end' : condition);
      } else {
        // Paper is ippeveprinter's own main tray (media-empty); the cover is the front's.
        await ipp.setPaper(condition === 'paper_out' ? 0 : FULL_TRAY);
        cover.coverOpen = condition === 'cover_open';
      }
      conditions[printer] = condition;
    },
    async stop() {
      await emulator.stop();
      await cover.close();
      await ipp.stop();
    },
  };
}
