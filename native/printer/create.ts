// Builds the two printer adapters from a validated configuration.
import { resolveProfile, type PrinterConfig } from './config';
import { EscposReceiptPrinter } from './escpos-printer';
import { IppCertificatePrinter } from './ipp-printer';

export function createPrinters(config: PrinterConfig): { certificate: IppCertificatePrinter; receipt: EscposReceiptPrinter; receiptColumns: number } {
  const profile = resolveProfile(config.receipt.profile);
  return {
    certificate: new IppCertificatePrinter({ uri: config.certificate.uri, jobTimeoutMs: config.certificate.jobTimeoutMs }),
    receipt: new EscposReceiptPrinter({
      host: config.receipt.host,
      port: config.receipt.port,
      profile,
      connectTimeoutMs: config.receipt.connectTimeoutMs,
      jobTimeoutMs: config.receipt.jobTimeoutMs,
    }),
    receiptColumns: profile.columns,
  };
}
