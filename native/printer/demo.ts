// The printers of the demo: a real IPP printer (ippeveprinter) spooling certificates into `dir`, and
// the ESC/POS emulator writing each receipt into `dir` as a .txt and a .png staff can open.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EscposEmulator } from './escpos-emulator';
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
  stop(): Promise<void>;
}

export async function startPrinterEmulators(options: { dir: string; receiptPort?: number; ippPort?: number }): Promise<PrinterEmulators> {
  const certificateDir = join(options.dir, 'certificates');
  const receiptDir = join(options.dir, 'receipts');
  mkdirSync(certificateDir, { recursive: true });
  const ipp = await startIppEvePrinter({ spoolDir: certificateDir, ...(options.ippPort ? { port: options.ippPort } : {}) });
  const emulator = new EscposEmulator({ outputDir: receiptDir });
  let receiptPort: number;
  try {
    receiptPort = await emulator.start(options.receiptPort ?? 0);
  } catch (err) {
    await ipp.stop();
    throw err;
  }
  return {
    certificateUri: ipp.uri,
    receiptHost: '127.0.0.1',
    receiptPort,
    certificateDir,
    receiptDir,
    emulator,
    config: {
      certificate: { uri: ipp.uri, jobTimeoutMs: 120_000 },
      receipt: { host: '127.0.0.1', port: receiptPort, profile: 'kanji-80mm', connectTimeoutMs: 3_000, jobTimeoutMs: 30_000 },
    },
    async stop() {
      await emulator.stop();
      await ipp.stop();
    },
  };
}
