import { describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { checkNetworkNamespace, type InodeOf } from './network-namespace.js';
import { thrownMsbError } from '../../test/support/msb-error.js';

const HOST = '4:4026531840';

function specWith(namespaces: { type: string; path?: string }[] | undefined): Spec {
  return { ociVersion: '1.0.2', root: { path: 'rootfs' }, linux: namespaces ? { namespaces } : {} };
}

/** inodes fakes stat: the host's netns, plus any paths given; everything else is missing. */
function inodes(
  extra: Record<string, string> = {},
  host: Record<string, string> = { '/proc/self/ns/net': HOST, '/proc/1/ns/net': HOST },
): InodeOf & { asked: string[] } {
  const asked: string[] = [];
  const table: Record<string, string> = { ...host, ...extra };
  return Object.assign(
    (p: string) => {
      asked.push(p);
      return table[p];
    },
    { asked },
  );
}

describe('checkNetworkNamespace', () => {
  it.each<[string, Spec]>([
    ['no namespaces at all', specWith(undefined)],
    ['namespaces without network (--network host)', specWith([{ type: 'pid' }, { type: 'mount' }])],
  ])('refuses %s as the host network', (_name, spec) => {
    const err = thrownMsbError(() => checkNetworkNamespace(spec, 'gvisor', inodes()));
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/share the host network namespace \(--network host\)/);
  });

  it('accepts a new network namespace without looking at any file', () => {
    const fake = inodes();
    expect(() => checkNetworkNamespace(specWith([{ type: 'pid' }, { type: 'network' }]), 'gvisor', fake)).not.toThrow();
    expect(fake.asked).toEqual([]);
  });

  it("refuses a netns path that is the host's (by /proc/self)", () => {
    const err = thrownMsbError(() =>
      checkNetworkNamespace(specWith([{ type: 'network', path: '/var/run/netns/hostlink' }]), 'gvisor', inodes({ '/var/run/netns/hostlink': HOST })),
    );
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe("gvisor: network namespace /var/run/netns/hostlink is the host's, which msb does not allow; use a Docker network");
  });

  it("refuses a netns path equal to /proc/1's when /proc/self differs", () => {
    const fake = inodes({ '/x': '4:1' }, { '/proc/self/ns/net': '4:2', '/proc/1/ns/net': '4:1' });
    expect(thrownMsbError(() => checkNetworkNamespace(specWith([{ type: 'network', path: '/x' }]), 'gvisor', fake)).code).toBe('forbidden');
  });

  it("refuses a path it cannot read (it cannot tell it from the host's)", () => {
    const err = thrownMsbError(
      () => checkNetworkNamespace(specWith([{ type: 'network', path: '/proc/1/ns/net' }]), 'gvisor', inodes({}, { '/proc/self/ns/net': HOST })),
      'invalid-spec',
    );
    expect(err.message).toBe("gvisor: network namespace /proc/1/ns/net does not exist or cannot be read, so msb cannot tell it is not the host's");
  });

  it('refuses /proc/1/ns/net itself', () => {
    expect(thrownMsbError(() => checkNetworkNamespace(specWith([{ type: 'network', path: '/proc/1/ns/net' }]), 'gvisor', inodes())).code).toBe('forbidden');
  });

  it.each<[string, Record<string, string>, Record<string, string> | undefined]>([
    ["another container's netns", { '/proc/4242/ns/net': '4:4026532999' }, undefined],
    ['any path when /proc/1 is hidden and self differs', { '/x': '4:7' }, { '/proc/self/ns/net': '4:8' }],
    ['any path when the host inode cannot be read', { '/x': '4:7' }, {}],
  ])('accepts %s', (_name, extra, host) => {
    const path = Object.keys(extra)[0] ?? '/proc/4242/ns/net';
    expect(() => checkNetworkNamespace(specWith([{ type: 'network', path }]), 'gvisor', inodes(extra, host))).not.toThrow();
  });

  it.each<[string, { type: string; path?: string }[]]>([
    ["a new one, then the host's", [{ type: 'network' }, { type: 'network', path: '/proc/1/ns/net' }]],
    [
      "another container's, then the host's",
      [
        { type: 'network', path: '/proc/4242/ns/net' },
        { type: 'network', path: '/proc/self/ns/net' },
      ],
    ],
  ])('refuses two network namespace entries (%s)', (_name, namespaces) => {
    const err = thrownMsbError(() => checkNetworkNamespace(specWith(namespaces), 'gvisor', inodes({ '/proc/4242/ns/net': '4:4026532999' })), 'invalid-spec');
    expect(err.message).toBe('gvisor: config.json linux.namespaces names the network namespace 2 times');
  });
});
