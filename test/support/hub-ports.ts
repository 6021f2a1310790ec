// Small in-test implementations of the hub's registry and certificate ports, for tests that are about
// sync, auth and approval rather than about the registry or the certificate layout.
import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { CertificateIssuer, RegistryMatch, ResidentLookup } from '../../hub/server/ports';

interface InventedResident {
  residentId: string;
  name: string;
  birthDate: string;
}

const invented: InventedResident[] = [
  { residentId: 'R9001', name: '磐城髙子', birthDate: '1953-06-14' },
  { residentId: 'R9002', name: '小名浜太郎', birthDate: '1948-01-02' },
  { residentId: 'R9003', name: '小名浜太郎', birthDate: '1948-01-02' },
];

export function testRegistry(extra: InventedResident[] = []): ResidentLookup & { lookups: number } {
  const people = [...invented, ...extra];
  const registry = {
    lookups: 0,
    async match(subject: { name: string; birthDate: string }): Promise<RegistryMatch> {
      registry.lookups++;
      const name = subject.name.replace(/[\s　]/g, '');
      const hits = people.filter((p) => p.name === name && p.birthDate === subject.birthDate);
      if (hits.length === 1) return { status: 'found', residentId: hits[0]!.residentId };
      if (hits.length > 1) return { status: 'ambiguous', candidates: hits.length };
      return { status: 'not_found' };
    },
  };
  return registry;
}

/** Deterministic, as the port promises: serial and code from the request's id, the PDF's dates from the order's time. */
export function testCertificates(): CertificateIssuer & { rendered: string[] } {
  const issuer = {
    rendered: [] as string[],
    async render(order: { requestId: string; kind: string; residentId: string; issuedAt: Date }) {
      const digest = createHash('sha256').update(order.requestId).digest('hex').toUpperCase();
      const serial = `T${digest.slice(0, 10)}`;
      const verificationCode = digest.slice(10, 22);
      const doc = await PDFDocument.create({ updateMetadata: false });
      const font = await doc.embedFont(StandardFonts.Helvetica);
      const page = doc.addPage([595, 842]);
      page.drawText(`${order.kind} ${order.residentId} ${serial} ${verificationCode}`, { x: 50, y: 780, size: 14, font });
      issuer.rendered.push(order.requestId);
      return { pdf: await doc.save(), serial, verificationCode };
    },
  };
  return issuer;
}
