import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT, parseRegistration } from './registration.js';

const good = { id: 'abc', pid: 42, netns: '/proc/42/ns/net', addresses: ['172.20.0.3'], gateways: ['172.20.0.1'], upstreams: ['192.0.2.53'] };

describe('parseRegistration', () => {
  it('accepts a registration and fills in the rate limit', () => {
    expect(parseRegistration(good)).toEqual({ ...good, rateLimit: DEFAULT_RATE_LIMIT });
    expect(parseRegistration({ ...good, dir: '/d', netnsInode: 7, rateLimit: 3 })).toMatchObject({ dir: '/d', netnsInode: 7, rateLimit: 3 });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'x', /not an object/],
    ['a bad id', { ...good, id: '../x' }, /id is missing or invalid/],
    ['a bad pid', { ...good, pid: -1 }, /pid must be a positive integer/],
    ['a relative netns', { ...good, netns: 'proc/1/ns/net' }, /netns must be an absolute path/],
    ['an IPv6 address', { ...good, addresses: ['fd00::2'] }, /addresses must be a list of IPv4/],
    ['a host name upstream', { ...good, upstreams: ['dns.example'] }, /upstreams must be a list of IPv4/],
    ['no gateway', { ...good, gateways: [] }, /at least one address and one gateway/],
    ['a zero rate', { ...good, rateLimit: 0 }, /rateLimit must be a positive number/],
  ])('rejects %s', (_name, value, message) => {
    expect(() => parseRegistration(value)).toThrow(message);
  });
});
