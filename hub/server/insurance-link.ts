// マイナ保険証紐付け (health-insurance linking) at the hub. The hub gives a vehicle a one-time challenge;
// the resident's card signs it with the user-authentication key (利用者証明用電子証明書) after the resident's
// PIN; the hub checks the challenge, the card certificate against the JPKI CA(s) it is configured to trust,
// and the signature, then forwards the link through an adapter (the real linking service replaces the
// stand-in). Every outcome is audited with ids and codes only; the insurance fields are never logged.
import { constants, randomBytes, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { fieldProblems } from '../../protocol/errors';
import {
  LinkChallengeResponse, LinkCompleteRequest, LinkCompleteResponse, linkErrorMessages, type InsuranceCardInput,
} from '../../protocol/hub';
import type { Clock } from '../clock';
import { badRequest, HubError } from '../errors';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { AuditEntry, HubStore, HubTx } from '../store/types';

/** A challenge is answered while the resident is still at the reader; two minutes covers the PIN pad. */
export const LINK_CHALLENGE_TTL_MS = 2 * 60_000;
const CHALLENGE_BYTES = 32;

export type LinkErrorCode = keyof typeof linkErrorMessages;

const linkErrorStatus: Record<LinkErrorCode, number> = {
  CHALLENGE_UNKNOWN: 404,
  CHALLENGE_EXPIRED: 410,
  CHALLENGE_USED: 409,
  BAD_SIGNATURE: 422,
  CERT_CHAIN_INVALID: 422,
  LINK_REFUSED: 422,
};

export function linkError(code: LinkErrorCode): HubError {
  return new HubError(linkErrorStatus[code], code, linkErrorMessages[code]);
}

// ---- the linking service behind the hub ----

export interface InsuranceLinkRequest {
  insurance: InsuranceCardInput;
  certificateSerial: string;
  certificateSubject: string;
  vehicleId: string;
  staffId: string;
}

/** `reason` is a short code the audit log can keep (no personal data). */
export type InsuranceLinkResult = { status: 'linked'; linkId: string } | { status: 'refused'; reason: string };

/** The insurance-linking service. The deployment supplies the real one; tests and the demo use the stand-in. */
export interface InsuranceLinkAdapter {
  link(request: InsuranceLinkRequest): Promise<InsuranceLinkResult>;
}

/**
 * 保険者番号の検証番号: the last digit of a 6-digit (国民健康保険) or 8-digit insurer number checks the
 * others — from the rightmost of them, multiply by 2, 1, 2, 1…, add the digits of each product, and the
 * check digit is 10 minus the sum's last digit (0 when that is 10).
 */
export function insurerNumberIsValid(insurerNumber: string): boolean {
  if (!/^\d{6}$|^\d{8}$/.test(insurerNumber)) return false;
  const digits = [...insurerNumber].map(Number);
  const check = digits.pop()!;
  let sum = 0;
  digits.reverse().forEach((d, i) => {
    const p = d * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(p / 10) + (p % 10);
  });
  return (10 - (sum % 10)) % 10 === check;
}

/**
 * The stand-in for the linking service (demo and tests): refuses an insurer number whose check digit is
 * wrong, as the real service would find no such insurer, and otherwise records the link in the hub store.
 */
export class RecordingInsuranceLinkAdapter implements InsuranceLinkAdapter {
  constructor(private readonly deps: { store: HubStore; clock: Clock; ids: IdGenerator }) {}

  async link(request: InsuranceLinkRequest): Promise<InsuranceLinkResult> {
    if (!insurerNumberIsValid(request.insurance.insurerNumber)) return { status: 'refused', reason: 'INSURER_NUMBER_CHECK_DIGIT' };
    const linkId = this.deps.ids();
    const { insurance } = request;
    await this.deps.store.transaction((tx) =>
      tx.insertInsuranceLink({
        id: linkId,
        vehicleId: request.vehicleId,
        staffId: request.staffId,
        certificateSerial: request.certificateSerial,
        certificateSubject: request.certificateSubject,
        insurerNumber: insurance.insurerNumber,
        symbol: insurance.symbol ?? null,
        number: insurance.number,
        branch: insurance.branch ?? null,
        linkedAt: this.deps.clock.now().toISOString(),
      }),
    );
    return { status: 'linked', linkId };
  }
}

// ---- the card certificate ----

/**
 * The SHA-256 fingerprint of the test JPKI CA committed with the virtual card
 * (fixtures/cards/keys/test-ca.cert.pem). Its private key is public, so anyone could sign a card
 * certificate under it: it is trusted only where the caller says it is the demo or a test.
 */
export const TEST_JPKI_CA_SHA256 = 'F8:1B:69:64:A8:8A:21:56:8B:70:CF:9C:14:94:A2:C6:F0:25:08:3B:09:71:7C:04:41:2D:9A:DB:D3:0D:D5:DB';

/**
 * The JPKI CA certificates the hub trusts, from PEM text (each text may hold several certificates).
 * Only CA certificates are accepted: trusting a card certificate itself would trust one card, not a CA.
 * The committed test CA is refused unless `allowTestCa` (the demo, the tests).
 */
export function parseTrustedJpkiCas(pems: readonly string[], options: { allowTestCa?: boolean } = {}): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const pem of pems) {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw badRequest('JPKI_CA_INVALID', '公的個人認証の認証局証明書 (PEM) が読めません。ファイルを確かめてください。');
    for (const block of blocks) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(block);
      } catch {
        throw badRequest('JPKI_CA_INVALID', '公的個人認証の認証局証明書 (PEM) が読めません。ファイルを確かめてください。');
      }
      if (!cert.ca) throw badRequest('JPKI_CA_INVALID', `認証局の証明書ではありません（${cert.subject.replace(/\n/g, ', ')}）。認証局の証明書を指定してください。`);
      if (cert.fingerprint256 === TEST_JPKI_CA_SHA256 && !options.allowTestCa) {
        throw badRequest('JPKI_TEST_CA_REFUSED', '試験用（デモ用）の認証局証明書は本番では使えません。地方公共団体情報システム機構（J-LIS）の認証局証明書を指定してください。');
      }
      out.push(cert);
    }
  }
  return out;
}

function validAt(cert: X509Certificate, at: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= at.getTime() && at.getTime() <= to;
}

export type CardCertificateVerdict =
  | { ok: true; certificate: X509Certificate; publicKey: KeyObject }
  | { ok: false; why: 'unparseable' | 'is_ca' | 'outside_validity' | 'not_rsa_2048' | 'untrusted_issuer' };

/**
 * Checks a card's user-authentication certificate at the hub's clock: an end-entity RSA certificate
 * (≥ 2048 bits), within its validity, issued and signed by one of the trusted CAs, itself valid then.
 * Revocation is the linking service's to check (J-LIS answers it, not the hub).
 */
export function checkCardCertificate(der: Uint8Array, trusted: readonly X509Certificate[], at: Date): CardCertificateVerdict {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { ok: false, why: 'unparseable' };
  }
  if (cert.ca) return { ok: false, why: 'is_ca' };
  if (!validAt(cert, at)) return { ok: false, why: 'outside_validity' };
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return { ok: false, why: 'not_rsa_2048' };
  const issuer = trusted.find((ca) => validAt(ca, at) && cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) return { ok: false, why: 'untrusted_issuer' };
  return { ok: true, certificate: cert, publicKey: key };
}

/**
 * The card pads a SHA-256 DigestInfo of the challenge with PKCS#1 v1.5 and applies its key, which is
 * exactly RSASSA-PKCS1-v1_5 with SHA-256 over the challenge bytes.
 */
export function verifyChallengeSignature(challenge: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const modulusBytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (signature.length !== modulusBytes) return false;
  return verify('sha256', challenge, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
}

/** Base64 that decodes and re-encodes to itself: lenient decoding would accept garbage as bytes. */
function strictBase64(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

// ---- the service ----

export interface InsuranceLinkDeps {
  store: HubStore;
  clock: Clock;
  log: Logger;
  ids: IdGenerator;
  adapter: InsuranceLinkAdapter;
  /** The JPKI CA certificates card certificates must be issued by; none means every link is refused. */
  trustedCas: readonly X509Certificate[];
}

type Checked = { refused: LinkErrorCode } | { verified: { serial: string; subject: string } };

export class InsuranceLinkService {
  constructor(private readonly deps: InsuranceLinkDeps) {}

  /** A fresh challenge for this vehicle: 32 random bytes, usable once, for two minutes. */
  async challenge(vehicleId: string): Promise<LinkChallengeResponse> {
    const { store, clock, ids } = this.deps;
    const now = clock.now();
    const id = ids();
    const bytes = randomBytes(CHALLENGE_BYTES);
    const expiresAt = new Date(now.getTime() + LINK_CHALLENGE_TTL_MS).toISOString();
    await store.transaction(async (tx) => {
      await tx.insertLinkChallenge({ id, vehicleId, challenge: bytes, createdAt: now.toISOString(), expiresAt });
      await tx.appendAudit({ actor: vehicleId, action: 'insurance_link.challenge', place: vehicleId, detail: { challengeId: id } }, now.toISOString());
    });
    return LinkChallengeResponse.parse({ challengeId: id, challenge: bytes.toString('base64'), expiresAt });
  }

  /**
   * Checks the signed challenge and forwards the link. The challenge is spent in the same transaction
   * as its checks whatever they find, so a signature is never accepted twice; the linking service is
   * called after that transaction, so a slow service does not hold the hub's store.
   */
  async complete(vehicleId: string, body: unknown): Promise<LinkCompleteResponse> {
    const { store, clock, log, adapter } = this.deps;
    const now = clock.now();
    const at = now.toISOString();
    const audit = (tx: HubTx, action: string, detail: AuditEntry['detail']) => tx.appendAudit({ actor: vehicleId, action, place: vehicleId, detail }, at);

    const parsed = LinkCompleteRequest.safeParse(body);
    if (!parsed.success) {
      // Nothing was checked, so the challenge stays usable: staff can correct a mistyped field and resend.
      const fields = fieldProblems(parsed.error);
      await store.transaction((tx) => audit(tx, 'insurance_link.refused', { code: 'INVALID_INPUT', fields: fields.map((f) => f.path).join(',').slice(0, 200) }));
      log.info({ vehicleId, code: 'INVALID_INPUT' }, 'insurance link refused');
      throw badRequest('INVALID_INPUT', fields[0]?.message ?? '入力が正しくありません。', fields);
    }
    const input = parsed.data;
    const challengeId = input.challengeId;

    const checked = await store.transaction(async (tx): Promise<Checked> => {
      const row = await tx.getLinkChallenge(challengeId);
      const refuse = async (code: LinkErrorCode, why: string, extra: Record<string, string> = {}): Promise<Checked> => {
        if (row && !row.usedAt) await tx.useLinkChallenge(row.id, at, code);
        await audit(tx, 'insurance_link.refused', { challengeId, code, why, staffId: input.staffId, ...extra });
        log.info({ vehicleId, challengeId, code, why }, 'insurance link refused');
        return { refused: code };
      };
      if (!row) return refuse('CHALLENGE_UNKNOWN', 'not_found');
      // Another vehicle's challenge is answered as unknown (its existence is not confirmed) and is
      // spent: an id seen outside its vehicle can no longer be trusted.
      if (row.vehicleId !== vehicleId) return refuse('CHALLENGE_UNKNOWN', 'other_vehicle', { ownerVehicleId: row.vehicleId });
      if (row.usedAt) return refuse('CHALLENGE_USED', 'used');
      if (now.getTime() >= Date.parse(row.expiresAt)) return refuse('CHALLENGE_EXPIRED', 'expired');

      const der = strictBase64(input.certificate);
      const cert = der ? checkCardCertificate(der, this.deps.trustedCas, now) : ({ ok: false, why: 'unparseable' } as const);
      if (!cert.ok) return refuse('CERT_CHAIN_INVALID', cert.why);
      const signature = strictBase64(input.signature);
      if (!signature || !verifyChallengeSignature(row.challenge, signature, cert.publicKey)) return refuse('BAD_SIGNATURE', 'signature_mismatch');

      await tx.useLinkChallenge(row.id, at, 'VERIFIED');
      await audit(tx, 'insurance_link.verified', { challengeId, staffId: input.staffId });
      return { verified: { serial: cert.certificate.serialNumber, subject: cert.certificate.subject } };
    });
    if ('refused' in checked) throw linkError(checked.refused);

    let result: InsuranceLinkResult;
    try {
      result = await adapter.link({
        insurance: input.insurance,
        certificateSerial: checked.verified.serial,
        certificateSubject: checked.verified.subject,
        vehicleId,
        staffId: input.staffId,
      });
    } catch (e) {
      await store.transaction(async (tx) => {
        await tx.setLinkChallengeOutcome(challengeId, 'LINK_SERVICE_UNAVAILABLE');
        await audit(tx, 'insurance_link.failed', { challengeId, code: 'LINK_SERVICE_UNAVAILABLE', staffId: input.staffId });
      });
      log.warn({ vehicleId, challengeId, err: e instanceof Error ? e.name : 'unknown' }, 'insurance link service failed');
      throw new HubError(502, 'LINK_SERVICE_UNAVAILABLE', '保険の紐付けの窓口につながりませんでした。しばらくしてから、はじめからやり直してください。');
    }

    const linkedAt = clock.now().toISOString();
    await store.transaction(async (tx) => {
      if (result.status === 'linked') {
        await tx.setLinkChallengeOutcome(challengeId, 'LINKED');
        await audit(tx, 'insurance_link.linked', { challengeId, linkId: result.linkId, staffId: input.staffId });
      } else {
        await tx.setLinkChallengeOutcome(challengeId, 'LINK_REFUSED');
        await audit(tx, 'insurance_link.refused', { challengeId, code: 'LINK_REFUSED', why: result.reason.slice(0, 64), staffId: input.staffId });
      }
    });
    if (result.status === 'refused') {
      log.info({ vehicleId, challengeId, code: 'LINK_REFUSED' }, 'insurance link refused');
      throw linkError('LINK_REFUSED');
    }
    log.info({ vehicleId, challengeId, linkId: result.linkId }, 'insurance linked');
    return LinkCompleteResponse.parse({ status: 'linked', linkId: result.linkId, linkedAt });
  }
}
