import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../test/support/msb-error.js';
import { inCidr4, isPublicIpv4 } from './address-groups.js';
import { parseRules, parseRuleToken } from './rule-grammar.js';

describe('parseRuleToken (msb --net-rule grammar)', () => {
  it.each([
    ['allow@public', { action: 'allow', direction: 'egress', target: { kind: 'group', group: 'public' }, protocol: 'any' }],
    [
      'deny:egress@198.51.100.5',
      { action: 'deny', direction: 'egress', target: { kind: 'cidr', family: 4, address: '198.51.100.5', prefix: 32 }, protocol: 'any' },
    ],
    [
      'allow@10.0.0.0/8:tcp:80-90',
      { action: 'allow', target: { kind: 'cidr', family: 4, address: '10.0.0.0', prefix: 8 }, protocol: 'tcp', ports: { from: 80, to: 90 } },
    ],
    ['allow@pypi.org:tcp:443', { target: { kind: 'domain', name: 'pypi.org' }, protocol: 'tcp', ports: { from: 443, to: 443 } }],
    ['allow@Example.COM.', { target: { kind: 'domain', name: 'example.com' } }],
    ['allow@*.allowed.test', { target: { kind: 'suffix', name: 'allowed.test' } }],
    ['allow@suffix=allowed.test:udp:any', { target: { kind: 'suffix', name: 'allowed.test' }, protocol: 'udp' }],
    ['allow@domain=registry', { target: { kind: 'domain', name: 'registry' } }],
    ['deny@[::1]', { target: { kind: 'cidr', family: 6, address: '::1', prefix: 128 } }],
    ['allow@[fc00::/7]:tcp:22', { target: { kind: 'cidr', family: 6, address: 'fc00::', prefix: 7 }, protocol: 'tcp', ports: { from: 22, to: 22 } }],
    ['allow@dns', { target: { kind: 'dns' } }],
    ['allow@any:icmpv4', { target: { kind: 'any' }, protocol: 'icmpv4' }],
    ['allow@link-local', { target: { kind: 'group', group: 'link-local' } }],
    ['allow@meta', { target: { kind: 'group', group: 'meta' } }],
  ])('%s', (token, want) => {
    expect(parseRuleToken(token)).toMatchObject({ ...want, token });
  });

  it.each([
    ['allow', /missing @/],
    ['reject@public', /"reject" is not an action/],
    ['allow:both@public', /"both" is not a direction/],
    ['allow@public:icmp', /"icmp" is not a protocol/],
    ['allow@public:tcp:65536', /"65536" is not a port/],
    ['allow@public:tcp:443-80', /port range 443-80 runs backwards/],
    ['allow@public:any:80', /ports need protocol tcp or udp/],
    ['allow@10.0.0.0/33', /prefix length 33 is out of range 0-32/],
    ['allow@300.1.1.1', /"300.1.1.1" is not an IPv4 address/],
    ['allow@*.com', /suffix "com" is a single label/],
    ['allow@metadata', /"metadata" is neither a group .* nor a domain with a dot; write domain=metadata/],
    ['allow@', /the target after @ is empty/],
    ['allow@[fc00::]/7', /unexpected text after \]/],
    ['allow@bad_dom-.com', /is not a valid domain name/],
    ['allow@a.b:tcp:1:2', /too many : after the target/],
  ])('%s is refused naming the token and the reason', (token, reason) => {
    const err = thrownMsbError(() => parseRuleToken(token), 'invalid-policy');
    expect(err.message).toContain(`egress rule ${JSON.stringify(token)}: `);
    expect(err.message).toMatch(reason);
  });

  it('parseRules splits comma-separated values as msb does and refuses empty tokens', () => {
    expect(parseRules(['allow@pypi.org:tcp:443,allow@files.pythonhosted.org:tcp:443', 'deny@meta']).map((r) => r.token)).toEqual([
      'allow@pypi.org:tcp:443',
      'allow@files.pythonhosted.org:tcp:443',
      'deny@meta',
    ]);
    expect(thrownMsbError(() => parseRules(['allow@public,']), 'invalid-policy').message).toMatch(/empty rule token/);
  });
});

describe('address groups', () => {
  it.each([
    ['203.0.113.7', true],
    ['198.51.100.1', true],
    ['8.8.8.8', true],
    ['100.63.255.255', true],
    ['172.32.0.1', true],
    ['10.1.2.3', false],
    ['100.64.0.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['224.0.0.1', false],
    ['240.0.0.1', false],
    ['0.1.2.3', false],
    ['255.255.255.255', false],
  ])('public(%s) = %s', (address, want) => {
    expect(isPublicIpv4(address)).toBe(want);
  });

  it('inCidr4 matches prefixes of any length', () => {
    expect(inCidr4('172.18.0.5', '172.18.0.0/16')).toBe(true);
    expect(inCidr4('172.19.0.5', '172.18.0.0/16')).toBe(false);
    expect(inCidr4('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(inCidr4('1.2.3.4', '1.2.3.4/32')).toBe(true);
  });
});
