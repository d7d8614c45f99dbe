import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-options.js';
import { egressRoundOrder, formatEgress, summarizeEgress } from './egress-bench.js';
import { table } from './report.js';

describe('the egress part of the benchmark', () => {
  it('alternates which variant goes first', () => {
    expect([0, 1, 2].map(egressRoundOrder)).toEqual([
      ['allow-all', 'profile'],
      ['profile', 'allow-all'],
      ['allow-all', 'profile'],
    ]);
  });

  it("takes medians, profile/allow-all ratios and checks the issue's targets (≥ 0.95 req/s, ≤ 1.10 p50)", () => {
    const s = summarizeEgress({
      'allow-all': { httpRps: [1000, 1100, 900], dnsP50Ms: [0.5, 0.6, 0.4], dnsLost: [0, 0, 0] },
      profile: { httpRps: [980, 1000, 940], dnsP50Ms: [0.6, 0.65, 0.7], dnsLost: [0, 0, 0] },
    });
    expect(s.median).toEqual({ 'allow-all': { httpRps: 1000, dnsP50Ms: 0.5 }, profile: { httpRps: 980, dnsP50Ms: 0.65 } });
    expect(s.httpRatio).toBeCloseTo(0.98);
    expect(s.dnsP50Ratio).toBeCloseTo(1.3);
    expect(s.target.met).toEqual({ http: true, dns: false });
  });

  it('is selected with --only egress and sized by --egress-rounds; the report states the ratios against the targets', () => {
    expect(parseBenchArgs(['--only', 'egress'])).toMatchObject({ only: 'egress', egress: { rounds: 5 } });
    expect(parseBenchArgs(['--egress-rounds', '3']).egress.rounds).toBe(3);
    const samples = { 'allow-all': { httpRps: [1000], dnsP50Ms: [0.5], dnsLost: [0] }, profile: { httpRps: [900], dnsP50Ms: [0.5], dnsLost: [1] } };
    const text = formatEgress(
      {
        rounds: 1,
        httpSeconds: 5,
        httpConcurrency: 16,
        dnsQueries: 300,
        profileRules: ['allow@172.18.0.2:tcp:80'],
        relayEntry: '/x/dist/dns/relay-main.js (current)',
        samples,
        ...summarizeEgress(samples),
      },
      table,
    ).join('\n');
    expect(text).toContain('http requests/s profile/allow-all: 0.900  (target ≥ 0.95: NOT met); dns p50 profile/allow-all: 1.000  (target ≤ 1.1: met)');
  });
});
