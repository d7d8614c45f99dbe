import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-options.js';
import {
  emptySamples,
  FILE_RUNTIMES,
  METRICS,
  parseRedisCsv,
  parseToolLines,
  resolveScript,
  roundOrder,
  speed,
  summarizeWorkloads,
  writeFileTree,
} from './workloads.js';

describe('parseRedisCsv', () => {
  it('reads the GET rate and latencies of redis-benchmark 7 --csv', () => {
    const out =
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"GET","4012.04","4.911","1.216","4.807","6.111","8.303","12.031"\n';
    expect(parseRedisCsv(out, 'GET')).toEqual({ rps: 4012.04, p50Ms: 4.807, p99Ms: 8.303 });
  });
  it('reads redis 6 output, which has the rate alone', () => {
    expect(parseRedisCsv('"SET","1000.00"\n"GET","2500.50"\n', 'GET')).toEqual({ rps: 2500.5, p50Ms: undefined, p99Ms: undefined });
  });
  it('fails with the output when the test is missing or has no rate', () => {
    expect(() => parseRedisCsv('Could not connect to Redis at srv:6379: Connection refused\n', 'GET')).toThrow(/no rate for GET: Could not connect/);
    expect(() => parseRedisCsv('"test","rps"\n"GET","0.00"\n', 'GET')).toThrow(/no rate/);
  });
});

describe('parseToolLines', () => {
  it('keeps the JSON lines and skips the rest', () => {
    expect(parseToolLines('tar: warning\n{"ms":12.5,"status":0}\n{broken\n{"ms":3,"status":0}\n')).toEqual([
      { ms: 12.5, status: 0 },
      { ms: 3, status: 0 },
    ]);
  });
});

describe('summarizeWorkloads', () => {
  it('reports medians and msb speed ratios in the faster-is-bigger sense', () => {
    const s = emptySamples();
    s.redisGet = { msb: [2000, 2400, 2200], runsc: [2200, 2000, 2400], runc: [99000], msbSandbox: [] };
    s.untar = { msb: [300], runsc: [200], runc: [100], msbSandbox: [250] };
    const rows = summarizeWorkloads(s);
    expect(rows.map((r) => r.metric)).toEqual(['redisGet', 'untar']);
    // Equal medians, but msb was slower in two of the three rounds: the rounds' ratios are 0.909, 1.2 and 0.917.
    expect(rows[0]).toMatchObject({ median: { msb: 2200, runsc: 2200, runc: 99000 } });
    expect(rows[0]?.speedVsRunsc).toBeCloseTo(2200 / 2400);
    expect(rows[0]?.sandboxSpeedVsRunsc).toBeNaN();
    expect(rows[1]?.sandboxSpeedVsRunsc).toBeCloseTo(200 / 250);
    expect(rows[0]?.speedVsRunc).toBeCloseTo(2000 / 99000); // only round 1 has both
    expect(rows[1]?.speedVsRunsc).toBeCloseTo(200 / 300);
    expect(rows[1]?.speedVsRunc).toBeCloseTo(100 / 300);
  });
  it('leaves out a failed round (NaN) from the medians and from the ratios, keeping the other rounds paired', () => {
    const s = emptySamples();
    s.untar = { msb: [100, Number.NaN, 300], runsc: [200, 150, 330], runc: [], msbSandbox: [] };
    const row = summarizeWorkloads(s)[0];
    expect(row?.median.msb).toBe(200);
    expect(row?.median.runsc).toBe(200);
    expect(row?.speedVsRunsc).toBeCloseTo((2 + 1.1) / 2);
    expect(row?.speedVsRunc).toBeNaN();
  });
  it('gives NaN, not a number, where a runtime has no value', () => {
    const s = emptySamples();
    s.httpP99 = { msb: [5], runsc: [], runc: [4], msbSandbox: [] };
    expect(summarizeWorkloads(s)[0]?.speedVsRunsc).toBeNaN();
    expect(speed(METRICS.httpRps, 10, 0)).toBeNaN();
  });
});

describe('roundOrder', () => {
  it('puts a different runtime first in consecutive rounds', () => {
    expect(new Set([0, 1, 2].map((r) => roundOrder(r)[0])).size).toBe(3);
    for (const r of [0, 1, 2, 3]) expect([...roundOrder(r)].sort()).toEqual(['msb', 'runc', 'runsc']);
    expect(new Set([0, 1, 2, 3].map((r) => roundOrder(r, FILE_RUNTIMES)[0])).size).toBe(4);
  });
});

describe('resolveScript', () => {
  it('uses an address as it is and looks a name up', () => {
    expect(resolveScript('172.18.0.2')).toBe('ip=172.18.0.2');
    expect(resolveScript('srv')).toContain('nslookup srv');
  });
});

describe('writeFileTree', () => {
  it('writes n files, 100 to a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-wl-'));
    try {
      writeFileTree(dir, 250);
      expect(readdirSync(dir).sort()).toEqual(['d0', 'd1', 'd2']);
      expect(readdirSync(join(dir, 'd2'))).toHaveLength(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench options for part 5', () => {
  it('runs the full workloads and 20 pairs by default, a short variant with --quick, none with --workload-rounds 0', () => {
    expect(parseBenchArgs([])).toMatchObject({ pairs: 20, workloads: { rounds: 5, redisRequests: 20000 } });
    expect(parseBenchArgs(['--quick'])).toMatchObject({ pairs: 8, krunPairs: 0, workloads: { rounds: 1 } });
    expect(parseBenchArgs(['--workload-rounds', '0']).workloads).toBeUndefined();
    expect(parseBenchArgs(['--only', 'workloads']).only).toBe('workloads');
    expect(() => parseBenchArgs(['--only', 'redis'])).toThrow(/dns, workloads, pods, checkpoint or egress/);
  });
});

describe('bench options for checkpoint/restore', () => {
  it('runs 5 rounds by default, 2 with --quick, N with --checkpoint-rounds N, alone with --only checkpoint', () => {
    expect(parseBenchArgs([]).checkpointRounds).toBe(5);
    expect(parseBenchArgs(['--quick']).checkpointRounds).toBe(2);
    expect(parseBenchArgs(['--checkpoint-rounds', '7']).checkpointRounds).toBe(7);
    expect(parseBenchArgs(['--only', 'checkpoint']).only).toBe('checkpoint');
    expect(() => parseBenchArgs(['--checkpoint-rounds', '0'])).toThrow(/--checkpoint-rounds must be an integer ≥ 1, got 0/);
  });
});
