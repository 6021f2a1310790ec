// The intake API's signature, as LINE signs its webhooks: base64(HMAC-SHA256(SECRET, M)). The key is
// the secret as `hub intake-key add` printed it (its ASCII characters); M is the raw body bytes of a
// POST, and the path with its query string, exactly as sent, of a GET.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function intakeSignature(secret: string, message: Uint8Array | string): string {
  return createHmac('sha256', secret).update(message).digest('base64');
}

/**
 * Whether `given` is the signature of `message`. Compared as the base64 text in constant time, so
 * neither the bytes nor the length of a right prefix can be learned from timing, and a text that merely
 * decodes to the same bytes (padding dropped, stray characters) is not accepted.
 */
export function signatureMatches(secret: string, message: Uint8Array | string, given: string): boolean {
  const expected = Buffer.from(intakeSignature(secret, message), 'utf8');
  const offered = Buffer.from(given, 'utf8');
  return offered.length === expected.length && timingSafeEqual(offered, expected);
}
