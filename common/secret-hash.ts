// Hashing of the secrets people type — operators' passwords at the hub, staff PINs on the vehicle —
// with scrypt at OWASP's minimum cost. The Password Storage Cheat Sheet lists N=2^17, r=8, p=1 and,
// as equivalent, N=2^15, r=8, p=3; the hub and the vehicle use the second, at a quarter of the memory
// (32 MiB a hash), so a burst of sign-ins cannot run the host out of memory. The
// parameters live in the stored string: a hash made at a lower cost still verifies, and `needsRehash`
// tells the caller to store a new one at the next successful sign-in.
import { randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SECRET_SCRYPT = { N: 1 << 15, r: 8, p: 3 } as const;
/** scrypt needs 128·N·r bytes; the bound leaves room and caps what a stored string can ask for. */
const MAXMEM = 64 * 1024 * 1024;
const KEY_LENGTH = 32;

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | null {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash || rest.length > 0) return null;
  const parsed = { N: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  if (![parsed.N, parsed.r, parsed.p].every((x) => Number.isSafeInteger(x) && x > 0) || parsed.hash.length !== KEY_LENGTH) return null;
  return parsed;
}

const format = (salt: Buffer, hash: Buffer) => `scrypt$${SECRET_SCRYPT.N}$${SECRET_SCRYPT.r}$${SECRET_SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
const options = (p: { N: number; r: number; p: number }): ScryptOptions => ({ N: p.N, r: p.r, p: p.p, maxmem: MAXMEM });

function scryptAsync(secret: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret, salt, KEY_LENGTH, o, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return format(salt, await scryptAsync(secret, salt, options(SECRET_SCRYPT)));
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const p = parse(stored);
  if (!p) return false;
  return timingSafeEqual(await scryptAsync(secret, p.salt, options(p)), p.hash);
}

/** The vehicle's PIN check runs in its main process, where a sign-in is one short synchronous step. */
export function hashSecretSync(secret: string): string {
  const salt = randomBytes(16);
  return format(salt, scryptSync(secret, salt, KEY_LENGTH, options(SECRET_SCRYPT)));
}

export function verifySecretSync(secret: string, stored: string): boolean {
  const p = parse(stored);
  if (!p) return false;
  return timingSafeEqual(scryptSync(secret, p.salt, KEY_LENGTH, options(p)), p.hash);
}

/** A hash stored at less work than today's parameters (N·p): store a new one after the next sign-in. */
export function needsRehash(stored: string): boolean {
  const p = parse(stored);
  return !p || p.r !== SECRET_SCRYPT.r || p.N * p.p < SECRET_SCRYPT.N * SECRET_SCRYPT.p;
}
