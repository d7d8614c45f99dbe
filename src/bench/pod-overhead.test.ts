import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-options.js';
import { podCellOrder, POD_CELLS } from './cri-pods.js';
import { cpuTicksOf, kibField, memoryCgroup } from './pod-overhead.js';

describe('pod overhead accounting', () => {
  it('reads utime + stime from a stat line whose comm holds spaces and parentheses', () => {
    const stat = '4242 (runsc (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 12 0 100 0 0';
    expect(cpuTicksOf(stat)).toBe(22);
  });

  it('reads kB fields of smaps_rollup', () => {
    const rollup = '55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:               24576 kB\nPss:               12345 kB\n';
    expect(kibField(rollup, 'Rss')).toBe(24576);
    expect(kibField(rollup, 'Pss')).toBe(12345);
    expect(kibField(rollup, 'Swap')).toBe(0);
  });

  it('names the memory cgroup on cgroup v1 and v2 hosts', () => {
    expect(memoryCgroup('5:devices:/a\n4:memory:/k8s.io/abc\n0::/\n')).toBe('/k8s.io/abc');
    expect(memoryCgroup('0::/kubepods/pod1/abc\n')).toBe('/kubepods/pod1/abc');
  });

  it('rotates the cells so each runs first once per cycle', () => {
    const firsts = POD_CELLS.map((_, r) => podCellOrder(r)[0]);
    expect(new Set(firsts).size).toBe(POD_CELLS.length);
    for (let r = 0; r < POD_CELLS.length; r++) expect([...podCellOrder(r)].sort()).toEqual([...POD_CELLS].sort());
  });
});

describe('bench options for part 6', () => {
  it('runs 5 pod rounds by default, 2 with --quick, none with --pod-rounds 0, and part 6 alone with --only pods', () => {
    expect(parseBenchArgs([]).podRounds).toBe(5);
    expect(parseBenchArgs(['--quick']).podRounds).toBe(2);
    expect(parseBenchArgs(['--pod-rounds', '0']).podRounds).toBe(0);
    expect(parseBenchArgs(['--only', 'pods']).only).toBe('pods');
  });
});
