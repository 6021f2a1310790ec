// Builds the printer adapters from a validated configuration.
import { resolveProfile, type PrinterConfig } from './config';
import { EscposReceiptPrinter } from './escpos-printer';
import { IppCertificatePrinter } from './ipp-printer';

export function createCertificatePrinter(config: PrinterConfig['certificate']): IppCertificatePrinter {
  return new IppCertificatePrinter({ uri: config.uri, jobTimeoutMs: config.jobTimeoutMs });
}

export function createReceiptPrinter(config: PrinterConfig['receipt']): EscposReceiptPrinter {
  return new EscposReceiptPrinter({
    host: config.host,
    port: config.port,
    profile: resolveProfile(config.profile),
    connectTimeoutMs: config.connectTimeoutMs,
    jobTimeoutMs: config.jobTimeoutMs,
  });
}

export function createPrinters(config: PrinterConfig): { certificate: IppCertificatePrinter; receipt: EscposReceiptPrinter; receiptColumns: number } {
  return {
    certificate: createCertificatePrinter(config.certificate),
    receipt: createReceiptPrinter(config.receipt),
    receiptColumns: resolveProfile(config.receipt.profile).columns,
  };
}
