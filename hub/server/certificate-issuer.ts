// The certificate port over hub/certificates: collects the registry records an order needs and
// renders the A4 PDF with a serial the hub assigns and the 照合番号 keyed by the hub's secret.
import { randomBytes } from 'node:crypto';
import { CertificateFonts, CertificateOrder, collectCertificateData, renderCertificate } from '../certificates';
import { tokyoDay } from '../clock';
import type { Registry } from '../registry/registry';
import type { CertificateIssuer } from './ports';

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 発行番号: the Japan date and 8 random characters (no 0/O or 1/I to misread on paper). */
export function newCertificateSerial(at: Date): string {
  const bytes = randomBytes(8);
  const tail = [...bytes].map((b) => SERIAL_ALPHABET[b % SERIAL_ALPHABET.length]).join('');
  return `${tokyoDay(at).replaceAll('-', '')}-${tail}`;
}

export function registryCertificates(registry: Registry, options: { verificationKey: Uint8Array | string }): CertificateIssuer {
  let fonts: Promise<CertificateFonts> | null = null;
  return {
    async render(order) {
      const certOrder = CertificateOrder.parse({
        kind: order.kind,
        juminhyo: order.input.juminhyo,
        fiscalYear: order.input.fiscalYear,
        copies: order.input.copies,
        requesterRelation: order.input.requester.relation,
      });
      const data = await collectCertificateData(registry, order.residentId, certOrder);
      const rendered = await renderCertificate(certOrder, data, {
        serial: newCertificateSerial(order.issuedAt),
        issuedAt: order.issuedAt,
        verificationKey: options.verificationKey,
        fonts: await (fonts ??= CertificateFonts.load()),
      });
      return { pdf: rendered.pdf, serial: rendered.serial, verificationCode: rendered.verificationCode };
    },
  };
}
