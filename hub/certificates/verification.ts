// 照合番号: a short code printed on each certificate so anyone holding it can ask the city whether
// it was issued as printed. An HMAC (key held by the hub) over what identifies the issuance and a
// hash of the printed content; 80 bits in Crockford base32, 16 characters in groups of four.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CertificateKind } from '../../protocol/domain';
import { AppError } from '../../protocol/errors';
import { Sha256Hex } from '../../protocol/ids';

export const CertificateSerial = z.string().regex(/^[A-Za-z0-9-]{4,32}$/, { error: '証明書番号は英数字とハイフン4〜32文字です。' });

export const VerificationInput = z.object({
  serial: CertificateSerial,
  kind: CertificateKind,
  residentId: z.string().min(1).max(64),
  issueDate: z.iso.date(),
  contentHash: Sha256Hex,
});
export type VerificationInput = z.infer<typeof VerificationInput>;

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U

function toKey(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  // The code is only as strong as the key: refuse a key anyone could guess.
  if (bytes.length < 32) throw new AppError('CERT_KEY_TOO_SHORT', '照合番号の鍵が短すぎます（32バイト以上）。市役所の管理者が設定を確かめてください。');
  return bytes;
}

function base32(bytes: Uint8Array, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** SHA-256 of a value as canonical JSON (keys sorted), the content part of the code. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function rawCode(input: VerificationInput, key: Uint8Array | string): string {
  const v = VerificationInput.parse(input);
  const mac = createHmac('sha256', toKey(key))
    .update(['odekake-certificate-v1', v.serial, v.kind, v.residentId, v.issueDate, v.contentHash].join('\n'))
    .digest();
  return base32(mac.subarray(0, 10), 16);
}

/** The code as printed: `ABCD-EFGH-JKMN-PQRS`. */
export function computeVerificationCode(input: VerificationInput, key: Uint8Array | string): string {
  return rawCode(input, key).match(/.{4}/g)!.join('-');
}

/** Accepts what a person types: lower case, spaces or hyphens, O for 0 and I/L for 1. */
export function normalizeVerificationCode(typed: string): string {
  return typed
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/**
 * True when `code` is the one the hub printed for this issuance and content. The hub looks up the
 * serial in its ledger (kind, resident, date, content hash) and passes them here with the typed code.
 */
export function verifyCertificateCode(code: string, input: VerificationInput, key: Uint8Array | string): boolean {
  if (!VerificationInput.safeParse(input).success) return false;
  const typed = Buffer.from(normalizeVerificationCode(code));
  const expected = Buffer.from(rawCode(input, key));
  return typed.length === expected.length && timingSafeEqual(typed, expected);
}
