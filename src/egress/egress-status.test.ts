import { describe, expect, it } from 'vitest';
import { egressStatus, formatEgressStatus } from './egress-status.js';
import type { ContainerEgress } from './host-enforcement.js';
import type { Listing } from './nft-ruleset.js';

const KEY = '60912b485d6085f0';
const egress: ContainerEgress = {
  profile: 'allowed-only',
  key: KEY,
  mark: 0x6d730007,
  networks: [{ veth: 'veth1', address: '172.29.14.2', prefix: 24, gateway: '172.29.14.1' }],
  names: [{ kind: 'domain', name: 'allowed.test', action: 'allow', set: `n_${KEY}_0` }],
  otherNames: 'peers-only',
  peers: true,
  dnsRebindProtection: true,
};
// As `nft -j list table inet msb` prints them (nft 1.0.6).
const listing: Listing = [
  { chain: { name: `c_${KEY}` } },
  { counter: { family: 'inet', name: `drop_${KEY}`, table: 'msb', handle: 544, packets: 3, bytes: 180 } },
  {
    set: {
      family: 'inet',
      name: `n_${KEY}_0`,
      table: 'msb',
      type: 'ipv4_addr',
      handle: 546,
      flags: ['timeout'],
      elem: [{ elem: { val: '203.0.113.10', timeout: 30, expires: 29 } }],
    },
  },
];

describe('egressStatus', () => {
  it("joins egress.json with the kernel's counters and learned addresses", () => {
    const rows = egressStatus(listing, [{ id: 'f'.repeat(64), egress }]);
    expect(rows).toEqual([
      {
        id: 'f'.repeat(64),
        profile: 'allowed-only',
        installed: true,
        interfaces: ['veth1 172.29.14.2/24'],
        mark: '0x6d730007',
        dropped: { packets: 3, bytes: 180 },
        learned: [{ rule: 'allow@allowed.test', address: '203.0.113.10', expiresInSeconds: 29 }],
      },
    ]);
    expect(formatEgressStatus(rows)).toBe(
      'ffffffffffff  allowed-only  dropped 3 packets (180 bytes)  veth1 172.29.14.2/24\n    203.0.113.10 for allow@allowed.test, 29 s left\n',
    );
  });

  it('shows the bandwidth shaping a record names', () => {
    const shaped = { ...egress, shaping: { ifb: 'msbi60912b485d6', interfaces: ['eth0'], bytesPerSecond: 10485760, bucketBytes: 1048576 } };
    const rows = egressStatus(listing, [{ id: 'f'.repeat(64), egress: shaped }]);
    expect(rows[0]?.shaping).toEqual({ bytesPerSecond: 10485760, bucketBytes: 1048576 });
    expect(formatEgressStatus(rows)).toContain('veth1 172.29.14.2/24  shaped to 10485760 bytes/s (bucket 1048576 bytes)\n');
  });

  it('says NOT INSTALLED when the table holds no chain for a recorded container', () => {
    expect(formatEgressStatus(egressStatus([], [{ id: 'a'.repeat(64), egress }]))).toContain('NOT INSTALLED');
  });
});
