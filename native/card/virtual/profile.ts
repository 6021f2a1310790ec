// Profiles of invented residents for the virtual My Number card (fixtures/cards/*.json) and their
// test-only keys (fixtures/cards/keys/). Every profile is checked before a card is built from it.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isValidMyNumber } from '../../../protocol/my-number';

export { isValidMyNumber, myNumberCheckDigit } from '../../../protocol/my-number';

export const CardProfile = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string(),
  /** 氏名 as on the card (UTF-8), family and given names separated by a full-width space. */
  name: z.string().min(1),
  address: z.string().min(1),
  /** As stored on the card: 8 digits, YYYYMMDD. */
  birthDate: z.string().regex(/^\d{8}$/),
  /** ISO/IEC 5218 digit: 1 male, 2 female, 9 not applicable. */
  sex: z.enum(['1', '2', '9']),
  /** The invented card's 4-digit PIN (券面事項入力補助用 and 利用者証明用). Test data only. */
  pin: z.string().regex(/^\d{4}$/),
  /** The invented card's signing PIN (署名用, 6–16 A–Z 0–9). Test data only. */
  signingPin: z.string().regex(/^[A-Z0-9]{6,16}$/),
  /** A fake number for the card's own EF 0001 — it must FAIL the check digit so it can never be real. */
  fakeMyNumber: z
    .string()
    .regex(/^\d{12}$/)
    .refine((s) => !isValidMyNumber(s), { message: 'fakeMyNumber must fail the check digit' }),
});
export type CardProfile = z.infer<typeof CardProfile>;

export interface CardKeys {
  caCertificate: X509Certificate;
  authKey: KeyObject;
  authCertificate: X509Certificate;
  signKey: KeyObject;
  signCertificate: X509Certificate;
}

/** fixtures/cards, found from this module (works from the sources and from the bundled CLI). */
export function cardFixturesDir(): string {
  const override = process.env.ODEKAKE_CARD_FIXTURES;
  if (override) return resolve(override);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    const candidate = join(dir, 'fixtures', 'cards');
    if (existsSync(join(candidate, 'keys'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('fixtures/cards not found');
}

export function listProfiles(dir = cardFixturesDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadProfile(id: string, dir = cardFixturesDir()): CardProfile {
  if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`bad profile name: ${id}`);
  const path = join(dir, `${id}.json`);
  if (!existsSync(path)) throw new Error(`no card profile "${id}" (have: ${listProfiles(dir).join(', ')})`);
  const profile = CardProfile.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (profile.id !== id) throw new Error(`profile ${path} has id ${profile.id}`);
  return profile;
}

export function loadKeys(id: string, dir = cardFixturesDir()): CardKeys {
  const k = (f: string) => readFileSync(join(dir, 'keys', f));
  return {
    caCertificate: new X509Certificate(k('test-ca.cert.pem')),
    authKey: createPrivateKey(k(`${id}.auth.key.pem`)),
    authCertificate: new X509Certificate(k(`${id}.auth.cert.pem`)),
    signKey: createPrivateKey(k(`${id}.sign.key.pem`)),
    signCertificate: new X509Certificate(k(`${id}.sign.cert.pem`)),
  };
}

/** The test CA that issued every virtual card's certificates (for the hub's stand-in verifier). */
export function testCaCertificatePem(dir = cardFixturesDir()): string {
  return readFileSync(join(dir, 'keys', 'test-ca.cert.pem'), 'utf8');
}
