// The intake API's signature check, as a plain function: LINE's recipe, compared strictly.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { intakeSignature, signatureMatches } from '../../hub/server/intake-signature';

const secret = 'c2VjcmV0LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLi4u';

describe('intake signatures', () => {
  it('is base64(HMAC-SHA256(secret, message)) over the exact bytes, with the secret\'s text as the key', () => {
    const body = Buffer.from('{"externalId":"L-1"}', 'utf8');
    expect(intakeSignature(secret, body)).toBe(createHmac('sha256', Buffer.from(secret, 'ascii')).update(body).digest('base64'));
    expect(intakeSignature(secret, body)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(intakeSignature(secret, '/api/v1/bookings/availability?area=north')).not.toBe(intakeSignature(secret, '/api/v1/bookings/availability?area=south'));
  });

  it('accepts only the exact base64 text: not another secret, not a changed message, not the same bytes written another way', () => {
    const message = '/api/v1/bookings/availability?area=north&from=2026-12-01&to=2026-12-31';
    const good = intakeSignature(secret, message);
    expect(signatureMatches(secret, message, good)).toBe(true);
    expect(signatureMatches(`${secret}x`, message, good)).toBe(false);
    expect(signatureMatches(secret, `${message}&x=1`, good)).toBe(false);
    expect(signatureMatches(secret, message, good.replace(/=$/, ''))).toBe(false);
    expect(signatureMatches(secret, message, `${good} `)).toBe(false);
    expect(signatureMatches(secret, message, Buffer.from(good, 'base64').toString('base64url'))).toBe(false);
    expect(signatureMatches(secret, message, '')).toBe(false);
  });
});
