import { describe, expect, it } from 'vitest';
import { median, percentile, quantile, ratio, summarize } from './stats.js';

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 10, 1000], 10],
    [[-1, 1], 0],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('does not reorder its argument', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentile', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it.each([
    [0, 1],
    [50, 5.5],
    [90, 9.1],
    [100, 10],
  ])('p%d of 1..10 = %d', (p, expected) => {
    expect(percentile(ten, p)).toBeCloseTo(expected, 10);
  });

  it('p90 of one value is that value', () => {
    expect(percentile([42], 90)).toBe(42);
  });

  it('interpolates between neighbours regardless of input order', () => {
    expect(quantile([30, 10, 20], 0.25)).toBe(15);
  });
});

describe('errors', () => {
  it('rejects an empty series', () => {
    expect(() => median([])).toThrow(RangeError);
  });
  it('rejects non-finite values', () => {
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
  });
  it.each([-0.1, 1.1, Number.NaN])('rejects quantile %d', (q) => {
    expect(() => quantile([1, 2], q)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('reports n, median, p90, min, max and mean', () => {
    expect(summarize([4, 2, 8, 6])).toEqual({ n: 4, median: 5, p90: 7.4, min: 2, max: 8, mean: 5 });
  });
});

describe('ratio', () => {
  it('divides', () => {
    expect(ratio(110, 100)).toBeCloseTo(1.1, 10);
  });
  it('is NaN for a zero denominator', () => {
    expect(ratio(1, 0)).toBeNaN();
  });
});
