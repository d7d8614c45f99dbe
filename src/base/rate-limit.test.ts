import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, then the rate, and counts refusals', () => {
    let t = 0;
    const b = new TokenBucket(10, 3, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.dropped).toBe(1);
    t = 100; // 0.1 s at 10/s: one token
    expect([b.take(), b.take()]).toEqual([true, false]);
    t = 10_000; // refills up to the burst, no further
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.dropped).toBe(3);
  });
});
