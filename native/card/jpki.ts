// JPKI AP (公的個人認証): the user-authentication certificate (利用者証明用電子証明書, readable without
// a PIN) and signatures with the user-authentication key after its 4-digit PIN.
import { createHash, X509Certificate } from 'node:crypto';
import { apdus, expectOk, swHex, SW, type CardChannel } from './apdu';
import { cardErrors } from './errors';
import { readTlvFile } from './kenmen';
import { readPinTries, verifyPinSafely, type PinBuffer, type PinPolicy, type PinTries, type VerifyOptions } from './pin';

export const JPKI_AID = Uint8Array.of(0xd3, 0x92, 0xf0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01);
export const JPKI_EF = {
  token: 0x0006,
  signCert: 0x0001,
  signCaCert: 0x0002,
  authCert: 0x000a,
  authCaCert: 0x000b,
  authKey: 0x0017,
  authPin: 0x0018,
  signKey: 0x001a,
  signPin: 0x001b,
} as const;
export const JPKI_AUTH_PIN: PinPolicy = { kind: 'jpkiAuth', ef: JPKI_EF.authPin };
export const JPKI_SIGN_PIN: PinPolicy = { kind: 'jpkiSign', ef: JPKI_EF.signPin };

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1), followed by the 32-byte hash. */
export const SHA256_DIGEST_INFO_PREFIX = Uint8Array.of(
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
);

const MAX_CERT_BYTES = 4096;

export function sha256DigestInfo(message: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(message).digest();
  const out = new Uint8Array(SHA256_DIGEST_INFO_PREFIX.length + digest.length);
  out.set(SHA256_DIGEST_INFO_PREFIX, 0);
  out.set(digest, SHA256_DIGEST_INFO_PREFIX.length);
  return out;
}

export async function selectJpki(channel: CardChannel): Promise<void> {
  const res = await channel.transmit(apdus.selectDf(JPKI_AID), 0);
  if (res.sw === SW.fileNotFound || res.sw === SW.wrongData || res.sw === SW.insNotSupported || res.sw === SW.claNotSupported) {
    throw cardErrors.notMyNumberCard();
  }
  expectOk(res, 'select JPKI AP');
}

export async function readJpkiPinTries(channel: CardChannel, which: 'auth' | 'sign'): Promise<PinTries> {
  await selectJpki(channel);
  return readPinTries(channel, which === 'auth' ? JPKI_AUTH_PIN : JPKI_SIGN_PIN);
}

/** Reads a certificate EF (a DER SEQUENCE, 30 82 hh ll …) and checks it parses as X.509. */
async function readCertificateEf(channel: CardChannel, ef: number, what: string): Promise<Uint8Array> {
  const sel = await channel.transmit(apdus.selectEf(ef), 0);
  if (sel.sw !== SW.ok) throw cardErrors.commandFailed(`select ${what}: ${swHex(sel.sw)}`);
  const der = await readTlvFile(channel, MAX_CERT_BYTES, what);
  if (der[0] !== 0x30) throw cardErrors.dataInvalid(`${what}: not a DER SEQUENCE`);
  try {
    new X509Certificate(der);
  } catch {
    throw cardErrors.dataInvalid(`${what}: not an X.509 certificate`);
  }
  return der;
}

/** The user-authentication certificate, DER. No PIN is needed or used. */
export async function readAuthCertificate(channel: CardChannel): Promise<Uint8Array> {
  await selectJpki(channel);
  return readCertificateEf(channel, JPKI_EF.authCert, 'auth certificate');
}

/**
 * Has the card sign a SHA-256 DigestInfo with the user-authentication key: VERIFY the auth PIN
 * (safely), SELECT the key EF, then 80 2A 00 80. Returns the raw RSA signature.
 */
export async function signWithAuthKey(
  channel: CardChannel,
  digestInfo: Uint8Array,
  pin: PinBuffer,
  options: VerifyOptions = {},
): Promise<Uint8Array> {
  if (digestInfo.length !== SHA256_DIGEST_INFO_PREFIX.length + 32 || !SHA256_DIGEST_INFO_PREFIX.every((b, i) => digestInfo[i] === b)) {
    pin.wipe();
    throw new RangeError('expected a SHA-256 DigestInfo');
  }
  try {
    await selectJpki(channel);
  } catch (e) {
    pin.wipe();
    throw e;
  }
  await verifyPinSafely(channel, JPKI_AUTH_PIN, pin, options);
  const sel = await channel.transmit(apdus.selectEf(JPKI_EF.authKey), 0);
  if (sel.sw !== SW.ok) throw cardErrors.commandFailed(`select auth key: ${swHex(sel.sw)}`);
  const res = await channel.transmit(apdus.sign(digestInfo), 256);
  const signature = expectOk(res, 'sign');
  // RSA-2048 today; accept 1024–4096-bit keys, the modulus length is checked against the certificate later.
  if (signature.length < 128 || signature.length > 512) throw cardErrors.dataInvalid(`signature of ${signature.length} bytes`);
  return signature;
}
