import { constants, privateEncrypt, sign, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCardCertificate, insurerNumberIsValid, parseTrustedJpkiCas, TEST_JPKI_CA_SHA256, verifyChallengeSignature } from '../../hub/server/insurance-link';
import { sha256DigestInfo } from '../../native/card/index';
import { loadKeys, testCaCertificatePem } from '../../native/card/virtual/index';

const keys = loadKeys('yoshida-hanako');
const trusted = parseTrustedJpkiCas([testCaCertificatePem()], { allowTestCa: true });
const inside = new Date(Date.parse(keys.authCertificate.validFrom) + 86_400_000);

describe('insurer number check digit (保険者番号の検証番号)', () => {
  it('accepts numbers whose last digit checks the others, 6 and 8 digits', () => {
    for (const n of ['070045', '138040', '01130012', '06139950']) expect(insurerNumberIsValid(n), n).toBe(true);
  });
  it('refuses a wrong check digit or a wrong length', () => {
    for (const n of ['070046', '01130013', '0700450', '12345', 'abcdef']) expect(insurerNumberIsValid(n), n).toBe(false);
  });
});

describe('card certificate check', () => {
  it('accepts a card certificate of the trusted CA within its validity', () => {
    expect(checkCardCertificate(keys.authCertificate.raw, trusted, inside)).toMatchObject({ ok: true });
  });
  it('refuses it before and after its validity, by the given clock', () => {
    expect(checkCardCertificate(keys.authCertificate.raw, trusted, new Date(Date.parse(keys.authCertificate.validFrom) - 1000))).toEqual({ ok: false, why: 'outside_validity' });
    expect(checkCardCertificate(keys.authCertificate.raw, trusted, new Date(Date.parse(keys.authCertificate.validTo) + 1000))).toEqual({ ok: false, why: 'outside_validity' });
  });
  it('refuses with no trusted CA, a CA certificate, and bytes that are not a certificate', () => {
    expect(checkCardCertificate(keys.authCertificate.raw, [], inside)).toEqual({ ok: false, why: 'untrusted_issuer' });
    expect(checkCardCertificate(new X509Certificate(testCaCertificatePem()).raw, trusted, inside)).toEqual({ ok: false, why: 'is_ca' });
    expect(checkCardCertificate(Buffer.from('3082', 'hex'), trusted, inside)).toEqual({ ok: false, why: 'unparseable' });
  });
  it('accepts only CA certificates as trust anchors', () => {
    expect(() => parseTrustedJpkiCas([keys.authCertificate.toString()])).toThrow(/認証局の証明書ではありません/);
    expect(() => parseTrustedJpkiCas(['not a pem'])).toThrow(/読めません/);
    expect(parseTrustedJpkiCas([`${testCaCertificatePem()}\n${testCaCertificatePem()}`], { allowTestCa: true })).toHaveLength(2);
  });
  it('refuses the committed test CA as a trust anchor outside the demo and the tests', () => {
    // The constant names the fixture: regenerating the test CA without it would let the new one through.
    expect(new X509Certificate(testCaCertificatePem()).fingerprint256).toBe(TEST_JPKI_CA_SHA256);
    expect(() => parseTrustedJpkiCas([testCaCertificatePem()])).toThrow(/試験用（デモ用）の認証局証明書は本番では使えません/);
    expect(() => parseTrustedJpkiCas([testCaCertificatePem()], { allowTestCa: false })).toThrow(expect.objectContaining({ code: 'JPKI_TEST_CA_REFUSED' }));
  });
});

describe('challenge signature', () => {
  const challenge = Buffer.alloc(32, 0x5a);
  it('verifies what the card computes: PKCS#1 v1.5 padding of the SHA-256 DigestInfo, under the private key', () => {
    // The card is given the DigestInfo and pads it itself (type 1 padding = RSA_PKCS1_PADDING on the private key).
    const asTheCardDoes = privateEncrypt({ key: keys.authKey, padding: constants.RSA_PKCS1_PADDING }, sha256DigestInfo(challenge));
    expect(verifyChallengeSignature(challenge, asTheCardDoes, keys.authCertificate.publicKey)).toBe(true);
    expect(Buffer.compare(asTheCardDoes, sign('sha256', challenge, keys.authKey))).toBe(0);
  });
  it('refuses a signature over other bytes, a truncated one, and one by another key', () => {
    const sig = sign('sha256', challenge, keys.authKey);
    expect(verifyChallengeSignature(Buffer.alloc(32, 0x5b), sig, keys.authCertificate.publicKey)).toBe(false);
    expect(verifyChallengeSignature(challenge, sig.subarray(1), keys.authCertificate.publicKey)).toBe(false);
    expect(verifyChallengeSignature(challenge, sign('sha256', challenge, loadKeys('watanabe-sora').authKey), keys.authCertificate.publicKey)).toBe(false);
  });
});
