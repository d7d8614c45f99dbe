import { describe, expect, it } from 'vitest';
import { findLateNetworks, formatLateNetworks, lateInterfaces } from './late-networks.js';

// `ip -4 -o addr` in a sandbox's netns after `docker network connect` (runsc 20221219, measured).
const AFTER_CONNECT = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '522: eth1    inet 192.168.224.2/20 brd 192.168.239.255 scope global eth1\\       valid_lft forever preferred_lft forever',
].join('\n');
const AT_START = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n';

describe('lateInterfaces', () => {
  it('lists interfaces that kept a global address (runsc took the others at start)', () => {
    expect(lateInterfaces(AFTER_CONNECT)).toEqual(['eth1 192.168.224.2/20']);
    expect(lateInterfaces(AT_START)).toEqual([]);
  });
});

describe('findLateNetworks', () => {
  const files: Record<string, string> = {
    '/r/msb/containers/aaa/record.json': '{"backend":"gvisor","bundle":"/b/aaa"}',
    '/b/aaa/init.pid': '41',
    '/r/msb/containers/bbb/record.json': '{"backend":"gvisor","bundle":"/b/bbb"}',
    '/b/bbb/init.pid': '42',
    '/r/msb/containers/ccc/record.json': '{"backend":"krun","bundle":"/b/ccc"}',
    '/r/msb/containers/ddd/record.json': '{"backend":"gvisor","bundle":"/b/ddd"}',
  };
  const read = (p: string): string => {
    const v = files[p];
    if (v === undefined) throw new Error(`ENOENT ${p}`);
    return v;
  };
  const ipAddr = (pid: number): string => (pid === 41 ? AFTER_CONNECT : AT_START);

  it('reports gVisor containers with a late network, skipping the rest', () => {
    const late = findLateNetworks('/r', read, () => ['aaa', 'bbb', 'ccc', 'ddd'], ipAddr);
    expect(late).toEqual([{ id: 'aaa', interfaces: ['eth1 192.168.224.2/20'] }]);
    expect(formatLateNetworks(late)).toBe(
      'container aaa: connected to a network after start (eth1 192.168.224.2/20); the gVisor sandbox does not see it: restart the container (docker restart)\n',
    );
    expect(
      findLateNetworks(
        '/none',
        read,
        () => {
          throw new Error('ENOENT');
        },
        ipAddr,
      ),
    ).toEqual([]);
  });
});
