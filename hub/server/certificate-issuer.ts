// The certificate port over hub/certificates: collects the registry records an order needs and
// renders the A4 PDF with a serial the hub assigns and the 照合番号 keyed by the hub's secret.
// Rendering is deterministic: the same request, resident record and time give the same bytes, so the
// preview an operator looks at is the very PDF the approval issues (the approval renders again and
// compares the hash).
import { createHmac } from 'node:crypto';
import { CertificateFonts, CertificateOrder, collectCertificateData, renderCertificate } from '../certificates';
import { tokyoDay } from '../clock';
import type { Registry } from '../registry/registry';
import type { CertificateIssuer } from './ports';

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * 発行番号: the Japan date and 8 characters (no 0/O or 1/I to misread on paper) keyed by the hub's secret
 * from the request's id: unguessable from outside, and the same each time the request is rendered.
 */
export function certificateSerial(at: Date, requestId: string, key: Uint8Array | string): string {
  const bytes = createHmac('sha256', key).update(`odekake-serial-v1\n${requestId}`).digest().subarray(0, 8);
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
        serial: certificateSerial(order.issuedAt, order.requestId, options.verificationKey),
        issuedAt: order.issuedAt,
        verificationKey: options.verificationKey,
        fonts: await (fonts ??= CertificateFonts.load()),
      });
      return { pdf: rendered.pdf, serial: rendered.serial, verificationCode: rendered.verificationCode };
    },
  };
}
