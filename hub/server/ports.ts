// What the hub needs from the city's core systems, as small interfaces: find the resident a relayed
// request is about, and render the certificate. The stand-in registry (fixtures/registry) and the
// certificate renderer implement them; a real deployment replaces both.
import type { CertificateKind } from '../../protocol/domain';
import type { Person, RequestInput } from '../../protocol/request';

export type RegistryMatch =
  | { status: 'found'; residentId: string }
  | { status: 'not_found' }
  | { status: 'ambiguous'; candidates: number };

export interface ResidentLookup {
  /** Looks the request's subject up by name, birth date and address. */
  match(subject: Person): Promise<RegistryMatch>;
}

export interface CertificateOrder {
  requestId: string;
  kind: CertificateKind;
  input: RequestInput;
  residentId: string;
  issuedAt: Date;
}

export interface RenderedCertificate {
  pdf: Uint8Array;
  /** 証明書の発行番号. */
  serial: string;
  /** The code printed on the sheet that the hub can check later. */
  verificationCode: string;
}

export interface CertificateIssuer {
  /** Deterministic: the same order and registry records give the same bytes (the preview relies on it). */
  render(order: CertificateOrder): Promise<RenderedCertificate>;
}
