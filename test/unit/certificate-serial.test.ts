import { describe, expect, it } from 'vitest';
import { certificateSerial } from '../../hub/server/certificate-issuer';

describe('certificate serial (発行番号)', () => {
  const key = 'verification-key-for-tests';
  const at = new Date('2026-11-26T01:00:00Z');

  it('is the same each time a request is rendered, so the preview and the approval agree', () => {
    expect(certificateSerial(at, 'req-0001-abcdefgh', key)).toBe(certificateSerial(new Date('2026-11-26T05:00:00Z'), 'req-0001-abcdefgh', key));
  });

  it('carries the Japan date and eight characters without 0, O, 1 or I', () => {
    // 01:00 UTC is 10:00 in Tokyo on the same date; 20:00 UTC is the next day there.
    expect(certificateSerial(at, 'req-0001-abcdefgh', key)).toMatch(/^20261126-[A-HJ-NP-Z2-9]{8}$/);
    expect(certificateSerial(new Date('2026-11-26T20:00:00Z'), 'req-0001-abcdefgh', key)).toMatch(/^20261127-/);
  });

  it('differs between requests and between hubs (keys)', () => {
    const serials = new Set(Array.from({ length: 2000 }, (_, i) => certificateSerial(at, `req-${i}-abcdefgh`, key)));
    expect(serials.size).toBe(2000);
    expect(certificateSerial(at, 'req-0001-abcdefgh', 'another-hub-key')).not.toBe(certificateSerial(at, 'req-0001-abcdefgh', key));
  });
});
