/** Summary describes one series of timings in milliseconds. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('no values');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('values must be finite numbers');
  return [...values].sort((a, b) => a - b);
}

/**
 * quantile is the q-quantile (0 ≤ q ≤ 1) by linear interpolation between the closest ranks
 * (Hyndman & Fan type 7, numpy's and R's default), so the median of an even count is the mean of
 * the two middle values and p90 of a short series lies between its top two values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  const s = sortedCopy(values);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** median is the 0.5-quantile. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** percentile is quantile with p in percent (p90 = percentile(values, 90)). */
export function percentile(values: readonly number[], p: number): number {
  return quantile(values, p / 100);
}

/** summarize gives the figures the benchmark reports for one series. */
export function summarize(values: readonly number[]): Summary {
  const s = sortedCopy(values);
  return {
    n: s.length,
    median: median(s),
    p90: percentile(s, 90),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    mean: s.reduce((sum, v) => sum + v, 0) / s.length,
  };
}

/** ratio is a / b, or NaN when b is zero (reported as "n/a" rather than Infinity). */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}
