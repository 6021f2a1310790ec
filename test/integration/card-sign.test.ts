// Health-insurance linking needs the card to sign a challenge with the user-authentication key.
import { createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PinBuffer } from '../../native/card/index';
import { loadProfile, testCaCertificatePem } from '../../native/card/virtual/index';
import { useCardRig } from '../support/use-card-rig';

const rig = useCardRig();

describe('signing with the user-authentication key', () => {
  it('reads the user-authentication certificate without any PIN', async () => {
    const card = await rig.insert('watanabe-sora');
    const der = await rig.service.readAuthCertificate();
    const cert = new X509Certificate(der);
    expect(cert.subject).toContain('TEST-ONLY-AUTH-watanabe-sora');
    expect(cert.verify(new X509Certificate(testCaCertificatePem()).publicKey)).toBe(true);
    expect(card.card.verifyAttempts).toBe(0);
  });

  it("returns a signature that verifies with the certificate's public key", async () => {
    const profile = loadProfile('yamazaki-takashi');
    await rig.insert(profile.id);
    const challenge = randomBytes(32);
    const result = await rig.service.signForAuth(challenge, PinBuffer.digits4(profile.pin));
    expect(result.algorithm).toBe('RSASSA-PKCS1-v1_5-SHA256');
    expect(result.signature.length).toBe(256);
    const cert = new X509Certificate(result.certificate);
    const ok = createVerify('sha256').update(challenge).verify(cert.publicKey, result.signature);
    expect(ok).toBe(true);
    const tampered = Buffer.from(challenge);
    tampered[0] = (tampered[0] as number) ^ 1;
    expect(createVerify('sha256').update(tampered).verify(cert.publicKey, result.signature)).toBe(false);
  });

  it('signs in at most 6 APDUs once the certificate is cached', async () => {
    const profile = loadProfile('yoshida-hanako');
    await rig.insert(profile.id);
    await rig.service.readAuthCertificate();
    await rig.service.signForAuth(randomBytes(32), PinBuffer.digits4(profile.pin));
    expect(rig.service.lastOperation?.apdus).toBeLessThanOrEqual(6);
  });

  it('forgets the cached certificate when the card is removed, so the next card is not confused with it', async () => {
    const hanako = await rig.insert('yoshida-hanako');
    const first = new X509Certificate(await rig.service.readAuthCertificate());
    hanako.stop();
    await rig.waitForCard(false);
    const profile = loadProfile('watanabe-sora');
    await rig.insert(profile.id);
    const result = await rig.service.signForAuth(randomBytes(32), PinBuffer.digits4(profile.pin));
    const second = new X509Certificate(result.certificate);
    expect(second.subject).not.toBe(first.subject);
    expect(second.subject).toContain('watanabe-sora');
  });
});
