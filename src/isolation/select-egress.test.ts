import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../test/support/msb-error.js';
import { parsePolicy, withDefaults } from './policy.js';
import { krunNetworkArgs } from '../egress/krun-net-args.js';
import { selectEgress } from './select-egress.js';

const PYPI = { rules: ['allow@pypi.org:tcp:443,allow@files.pythonhosted.org:tcp:443'] };
const policy = (egress: Record<string, unknown> = {}) => parsePolicy(JSON.stringify({ egress }), 'p.json');
const ann = (v: string) => ({ 'io.msb.egress': v });

describe('policy egress section', () => {
  it('defaults: allow-all for everyone (nothing changes on upgrade), every built-in profile selectable', () => {
    const e = withDefaults({}, 'x').egress;
    expect([e.default, e.allowed, e.allowAnnotation, e.allowRuntimeArgs, e.runtimes]).toEqual([
      'allow-all',
      ['allow-all', 'public-only', 'airgapped'],
      true,
      true,
      {},
    ]);
    expect(e.profiles['allow-all']).toMatchObject({ enforced: false, rules: [] });
    expect(e.profiles['public-only']).toMatchObject({ enforced: true, peers: true, dnsRebindProtection: true, rules: [{ token: 'allow@public' }] });
    expect(e.profiles.airgapped).toMatchObject({ enforced: true, peers: true, rules: [] });
  });

  it('a stricter default keeps allow-all out of what annotations may pick unless listed', () => {
    expect(policy({ default: 'public-only', profiles: { 'pypi-only': PYPI } }).egress.allowed).toEqual(['public-only', 'airgapped', 'pypi-only']);
  });

  it.each([
    [
      { profiles: { 'pypi-only': { rules: ['allow@pypi.org:tcp:99999'] } } },
      /egress profile "pypi-only": egress rule "allow@pypi.org:tcp:99999": "99999" is not a port/,
    ],
    [{ profiles: { 'public-only': { rules: [] } } }, /"public-only" is built in and cannot be redefined/],
    [{ default: 'nope' }, /egress.default names unknown egress profile "nope"/],
    [{ allowed: ['allow-all', 'nope'] }, /egress.allowed names unknown egress profile "nope"/],
    [{ runtimes: { 'public-only': ['allow-all', 'nope'] } }, /egress.runtimes.public-only names unknown egress profile "nope"/],
    [{ profiles: { x: { rules: ['allow:ingress@private'] } } }, /profiles hold egress rules only/],
    [{ profiles: { x: { rules: [], egressBandwidth: 'fast' } } }, /egressBandwidth "fast" is not SIZE/],
    [{ profiles: { x: { rules: [], egressBandwidthBurst: '1M' } } }, /egressBandwidthBurst needs egressBandwidth/],
    [{ profiles: { Bad: { rules: [] } } }, /egress/],
  ])('%j is refused', (egress, reason) => {
    expect(thrownMsbError(() => policy(egress), 'invalid-policy').message).toMatch(reason);
  });
});

describe('selectEgress', () => {
  it('the policy default, with a trail', () => {
    expect(selectEgress(policy(), undefined, {})).toMatchObject({
      profile: { name: 'allow-all' },
      source: 'policy',
      trail: ['runtime argument --egress: not set; policy default (p.json): allow-all', 'annotation io.msb.egress: not set; profile allow-all (chosen)'],
    });
  });

  it('the runtime argument (daemon.json runtimeArgs --egress=public-only)', () => {
    expect(selectEgress(policy(), 'public-only', undefined)).toMatchObject({ profile: { name: 'public-only' }, source: 'runtime-args' });
  });

  it('an annotation narrows within the menu', () => {
    expect(selectEgress(policy({ profiles: { 'pypi-only': PYPI } }), undefined, ann('pypi-only'))).toMatchObject({
      profile: { name: 'pypi-only' },
      source: 'annotation',
    });
    expect(selectEgress(policy({ runtimes: { 'public-only': ['public-only', 'airgapped'] } }), 'public-only', ann('airgapped')).profile.name).toBe('airgapped');
  });

  it.each([
    [
      'an unknown profile',
      policy(),
      undefined,
      ann('nope'),
      'invalid-argument',
      'unknown egress profile "nope" (from annotation io.msb.egress); known: allow-all, public-only, airgapped',
    ],
    [
      'an unknown runtime profile',
      policy(),
      'nope',
      {},
      'invalid-argument',
      'unknown egress profile "nope" (from runtime argument --egress); known: allow-all, public-only, airgapped',
    ],
    [
      'widening a runtime registered with --egress',
      policy(),
      'public-only',
      ann('allow-all'),
      'forbidden',
      'egress profile "allow-all" (from annotation io.msb.egress) is not allowed for this runtime by policy p.json (allowed: public-only)',
    ],
    [
      'a profile not listed in egress.allowed',
      policy({ allowed: ['allow-all'] }),
      undefined,
      ann('airgapped'),
      'forbidden',
      'egress profile "airgapped" (from annotation io.msb.egress) is not allowed for this runtime by policy p.json (allowed: allow-all)',
    ],
    [
      'annotations switched off',
      policy({ allowAnnotation: false }),
      undefined,
      ann('airgapped'),
      'forbidden',
      'annotation io.msb.egress=airgapped is not allowed by policy p.json (egress.allowAnnotation is false)',
    ],
    [
      'runtime arguments switched off',
      policy({ allowRuntimeArgs: false }),
      'airgapped',
      {},
      'forbidden',
      'runtime argument --egress=airgapped is not allowed by policy p.json (egress.allowRuntimeArgs is false)',
    ],
  ] as const)('%s fails', (_name, p, arg, annotations, code, message) => {
    expect(thrownMsbError(() => selectEgress(p, arg, annotations), code).message).toBe(message);
  });
});

describe('krunNetworkArgs', () => {
  const profiles = policy({
    profiles: {
      'pypi-only': { ...PYPI, peers: false, egressBandwidth: '10M/1s', egressBandwidthBurst: '1M' },
      internal: { rules: ['allow@private'], dnsRebindProtection: false },
    },
  }).egress.profiles;

  it("allow-all keeps today's flags", () => {
    expect(krunNetworkArgs(profiles['allow-all']!, false)).toEqual({ args: ['--net', 'all', '--no-dns-rebind-protection'], peersAtStart: false, notes: [] });
    expect(krunNetworkArgs(profiles['allow-all']!, true).args).toEqual(['--net', 'all']);
  });

  it('public-only: deny by default, DNS, public, peers at start; rebind protection off in msb with a note', () => {
    const n = krunNetworkArgs(profiles['public-only']!, true);
    expect(n.args).toEqual(['--net-default-egress', 'deny', '--net-rule', 'allow@dns', '--net-rule', 'allow@public', '--no-dns-rebind-protection']);
    expect(n.peersAtStart).toBe(true);
    expect(n.notes[0]).toMatch(/packets to private addresses off the container's networks are still denied/);
  });

  it('airgapped: DNS and peers only', () => {
    expect(krunNetworkArgs(profiles.airgapped!, false)).toMatchObject({
      args: ['--net-default-egress', 'deny', '--net-rule', 'allow@dns', '--no-dns-rebind-protection'],
      peersAtStart: true,
    });
  });

  it('an operator profile without peers keeps msb rebind protection and passes bandwidth', () => {
    expect(krunNetworkArgs(profiles['pypi-only']!, false)).toEqual({
      args: [
        '--net-default-egress',
        'deny',
        '--net-rule',
        'allow@dns',
        '--net-rule',
        'allow@pypi.org:tcp:443',
        '--net-rule',
        'allow@files.pythonhosted.org:tcp:443',
        '--net-egress-bandwidth',
        '10M/1s',
        '--net-egress-bandwidth-burst',
        '1M',
      ],
      peersAtStart: false,
      notes: [],
    });
    expect(krunNetworkArgs(profiles.internal!, true).args).toEqual([
      '--net-default-egress',
      'deny',
      '--net-rule',
      'allow@dns',
      '--net-rule',
      'allow@private',
      '--no-dns-rebind-protection',
    ]);
  });
});
