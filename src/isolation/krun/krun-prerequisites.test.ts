import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import type { KvmHostVerdict } from '../kvm-host.js';
import { DEFAULT_KRUN_POLICY } from '../policy.js';
import { krunPrerequisites, type KrunProbes } from './krun-prerequisites.js';

const provider = { packageDir: '/p', version: '0.6.18', msb: '/p/bin/msb', libkrunfw: '/p/lib/libkrunfw.so.5.6.1', libDir: '/p/lib' };
const verdict = (kind: KvmHostVerdict['kind']): KvmHostVerdict => ({ kind, reason: `kvm is ${kind}`, device: '/dev/kvm', kvmPvm: kind === 'kvm-pvm' });
const probes = (over: Partial<KrunProbes> = {}): KrunProbes => ({
  provider: () => provider,
  which: (c) => `/usr/bin/${c}`,
  kvm: () => verdict('usable'),
  ...over,
});

describe('krunPrerequisites', () => {
  it('all present on a KVM host', () => {
    const checks = krunPrerequisites(DEFAULT_KRUN_POLICY, probes());
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['microsandbox msb and libkrunfw', true],
      ['runc', true],
      ['tini', true],
      ['KVM for libkrun guests', true],
    ]);
    expect(checks[0]?.detail).toBe('0.6.18: /p/bin/msb, /p/lib/libkrunfw.so.5.6.1');
  });

  it.each<[string, Partial<KrunProbes>, 'enforce' | 'warn', string, RegExp]>([
    [
      'a missing package',
      {
        provider: () => {
          throw new MsbError('host-unsupported', 'krun: not installed');
        },
      },
      'enforce',
      'microsandbox msb and libkrunfw',
      /^krun: not installed$/,
    ],
    [
      'no tini',
      { which: (c) => (c === 'tini-static' ? undefined : `/usr/bin/${c}`) },
      'enforce',
      'tini',
      /^tini-static not found on PATH \(policy krun\.tini\)$/,
    ],
    [
      'kvm-pvm under enforce',
      { kvm: () => verdict('kvm-pvm') },
      'enforce',
      'KVM for libkrun guests',
      /kvm is kvm-pvm; krun containers fail at create \(krun\.hostCheck "enforce"\)$/,
    ],
    ['kvm-pvm under warn', { kvm: () => verdict('kvm-pvm') }, 'warn', 'KVM for libkrun guests', /fail after "entering VM" \(krun\.hostCheck "warn"\)$/],
    ['no /dev/kvm', { kvm: () => verdict('missing') }, 'enforce', 'KVM for libkrun guests', /kvm is missing/],
  ])('reports %s with a fix', (_n, over, hostCheck, name, detail) => {
    const check = krunPrerequisites({ ...DEFAULT_KRUN_POLICY, hostCheck }, probes(over)).find((c) => c.name === name);
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(detail);
    expect(check?.fix).toBeTruthy();
  });
});
