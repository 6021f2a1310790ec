// The printers as the terminal core sees them: two small interfaces, one status shape, one error.
// Adapters (IPP, ESC/POS) implement them; the print ledger in electron/core drives them.
import type { ReceiptDocument } from './receipt-document';

/** One thing wrong (or worth knowing) about a printer, worded for the riding staff. */
export interface PrinterProblem {
  /** Stable code, e.g. `media-empty`, `paper-end`, `cover-open`, `offline`, `unreachable`. */
  code: string;
  /** Japanese, says what to do next. */
  message: string;
  /** A blocking problem means no job may be sent now. */
  blocking: boolean;
}

export interface PrinterStatus {
  /** True when a job may be sent now (no blocking problem). */
  ready: boolean;
  problems: PrinterProblem[];
}

/** Called once, synchronously, right before the first byte of the job leaves for the printer. */
export interface SendHooks {
  beforeSend(): void;
}

export interface PrintConfirmation {
  /** The printer's own job number when it has one (IPP job-id). */
  printerJobId?: number;
  /** Pages or receipts the printer reported as done. */
  detail: string;
}

export interface CertificatePrintJob {
  /** Our job id; also sent as the IPP job-name so the printed job can be traced. */
  jobId: string;
  pdf: Uint8Array;
  copies: number;
}

export interface ReceiptPrintJob {
  jobId: string;
  document: ReceiptDocument;
}

export interface CertificatePrinter {
  status(): Promise<PrinterStatus>;
  /** Resolves only after the printer reports the job completed. */
  print(job: CertificatePrintJob, hooks?: SendHooks): Promise<PrintConfirmation>;
  close(): Promise<void>;
}

export interface ReceiptPrinter {
  status(): Promise<PrinterStatus>;
  /** Resolves only after the printer answers a status request sent after the cut. */
  print(job: ReceiptPrintJob, hooks?: SendHooks): Promise<PrintConfirmation>;
  close(): Promise<void>;
}

/**
 * A printer failure. `sent` tells the ledger whether any byte may have reached the printer:
 * false means the job can safely wait and be sent later; true means its outcome is unknown.
 */
export class PrinterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly sent: boolean,
    readonly problems: PrinterProblem[] = [],
  ) {
    super(message);
    this.name = 'PrinterError';
  }
}

export function statusFrom(problems: PrinterProblem[]): PrinterStatus {
  return { ready: !problems.some((p) => p.blocking), problems };
}
