// When the vehicle's sync loop tries again after a failure (the loop itself: sync.test.ts).
import { describe, expect, it } from 'vitest';
import { SyncBackoff } from '../../electron/core/sync';

describe('backoff after failed sync cycles', () => {
  const half = () => 0.5; // the jitter draw: the delay is then 3/4 of the ceiling

  it('doubles with each cycle in a row that moved nothing, up to the ceiling', () => {
    const b = new SyncBackoff({ baseMs: 2_000, maxMs: 30_000 }, half);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => b.failed(false))).toEqual([1_500, 3_000, 6_000, 12_000, 22_500, 22_500, 22_500]);
  });

  it('comes back to the first step after a cycle that got something through, and after a good cycle', () => {
    const b = new SyncBackoff({ baseMs: 2_000, maxMs: 30_000 }, half);
    for (let i = 0; i < 10; i++) b.failed(false);
    expect(b.failed(true)).toBe(1_500);
    expect(b.failed(false)).toBe(3_000);
    b.succeeded();
    expect(b.failed(false)).toBe(1_500);
  });

  it('spreads retries between half the ceiling and the ceiling', () => {
    const low = new SyncBackoff({ baseMs: 2_000, maxMs: 30_000 }, () => 0);
    const high = new SyncBackoff({ baseMs: 2_000, maxMs: 30_000 }, () => 0.999_999);
    for (let i = 0; i < 3; i++) {
      low.failed(false);
      high.failed(false);
    }
    expect(low.failed(false)).toBe(8_000);
    expect(high.failed(false)).toBeCloseTo(16_000, 0);
  });
});
