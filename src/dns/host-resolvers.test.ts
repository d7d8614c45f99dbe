import { describe, expect, it } from 'vitest';
import { DOCKER_FALLBACK_RESOLVERS, hostResolvers, SYSTEMD_RESOLVED_UPSTREAMS } from './host-resolvers.js';

/** files is a fake filesystem: a missing key reads as ENOENT. */
function files(contents: Record<string, string>): { read: (p: string) => string; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: (p) => {
      reads.push(p);
      const text = contents[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
  };
}

describe('hostResolvers', () => {
  it.each<{ name: string; fs: Record<string, string>; expected: readonly string[]; reads: string[] }>([
    {
      name: "the host's own servers",
      fs: { '/etc/resolv.conf': 'nameserver 10.0.0.2\nnameserver 2001:db8::53\n' },
      expected: ['10.0.0.2', '2001:db8::53'],
      reads: ['/etc/resolv.conf'],
    },
    {
      name: "systemd-resolved's upstreams when the host points at its stub",
      fs: {
        '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0 trust-ad\n',
        [SYSTEMD_RESOLVED_UPSTREAMS]: 'nameserver 192.168.1.1\nnameserver 192.168.1.2\n',
      },
      expected: ['192.168.1.1', '192.168.1.2'],
      reads: ['/etc/resolv.conf', SYSTEMD_RESOLVED_UPSTREAMS],
    },
    {
      name: "Docker's fallbacks when the stub has no upstream file",
      fs: { '/etc/resolv.conf': 'nameserver 127.0.0.53\n' },
      expected: DOCKER_FALLBACK_RESOLVERS,
      reads: ['/etc/resolv.conf', SYSTEMD_RESOLVED_UPSTREAMS],
    },
    {
      name: 'loopback servers are dropped',
      fs: { '/etc/resolv.conf': 'nameserver 127.0.0.1\nnameserver ::1\nnameserver 1.1.1.1\n' },
      expected: ['1.1.1.1'],
      reads: ['/etc/resolv.conf'],
    },
    {
      name: "Docker's fallbacks when only loopback servers are left",
      fs: { '/etc/resolv.conf': 'nameserver 127.0.0.1\n' },
      expected: DOCKER_FALLBACK_RESOLVERS,
      reads: ['/etc/resolv.conf'],
    },
    { name: "Docker's fallbacks without /etc/resolv.conf", fs: {}, expected: DOCKER_FALLBACK_RESOLVERS, reads: ['/etc/resolv.conf'] },
    {
      name: "Docker's fallbacks for a file without servers",
      fs: { '/etc/resolv.conf': 'search example.com\n' },
      expected: DOCKER_FALLBACK_RESOLVERS,
      reads: ['/etc/resolv.conf'],
    },
  ])('$name', ({ fs, expected, reads }) => {
    const fake = files(fs);
    expect(hostResolvers(fake.read)).toEqual(expected);
    expect(fake.reads).toEqual(reads);
  });

  it('returns a copy of the fallbacks, not the shared list', () => {
    const got = hostResolvers(files({}).read);
    got.push('changed');
    expect(DOCKER_FALLBACK_RESOLVERS).toEqual(['8.8.8.8', '8.8.4.4']);
  });
});
