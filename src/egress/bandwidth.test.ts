// The profile's egressBandwidth in microsandbox's units, and the ip/tc commands that apply it.
import { describe, expect, it } from 'vitest';
import { checkShapeable, ifbName, installTcCommands, parseBandwidth, parseSize } from './bandwidth.js';
import { krunNetworkArgs } from './krun-net-args.js';
import { allProfiles } from './profiles.js';

describe("parseBandwidth (msb's SIZE[/DURATION]: K, M, G are 1024-based, one second by default)", () => {
  it.each([
    ['10M/1s', 10 * 1024 ** 2, 10 * 1024 ** 2],
    ['10M', 10 * 1024 ** 2, 10 * 1024 ** 2],
    ['1M/100ms', 10 * 1024 ** 2, 1024 ** 2],
    ['512K/1m', Math.round((512 * 1024) / 60), 512 * 1024],
    ['1500', 1500, 1500],
    ['1G/2s', 1024 ** 3 / 2, 1024 ** 3],
  ])('%s → %d bytes/s, bucket %d bytes', (text, rate, bucket) => {
    expect(parseBandwidth(text)).toEqual({ bytesPerSecond: rate, bucketBytes: bucket });
  });

  it.each(['10MB/1s', '0', '10M/0s', '10M/1h', '10M/1s/2', '-1', 'fast'])('%s is refused', (text) => {
    expect(() => parseBandwidth(text)).toThrow(/is not/);
  });

  it('a SIZE is bytes or K, M, G', () => {
    expect([parseSize('1'), parseSize('2K'), parseSize('3M'), parseSize('1G')]).toEqual([1, 2048, 3 * 1024 ** 2, 1024 ** 3]);
  });

  it('every profile the policy accepts parses, and krun gets the same string msb parses the same way', () => {
    const p = allProfiles({ slow: { rules: ['allow@public'], egressBandwidth: '1M/100ms' } }, 'test').slow;
    expect(parseBandwidth(p?.egressBandwidth ?? '')).toEqual({ bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 });
    expect(krunNetworkArgs(p as never, true).args.join(' ')).toContain('--net-egress-bandwidth 1M/100ms');
  });
});

describe('installTcCommands', () => {
  it("makes the ifb and its tbf, then redirects the egress of each of the container's interfaces to it", () => {
    const cmds = installTcCommands({ ifb: ifbName('0123456789abcdef'), interfaces: ['eth0', 'eth1'], bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 });
    expect(cmds.map((c) => c.join(' '))).toEqual([
      'ip link add name msbi0123456789a type ifb',
      'tc qdisc add dev msbi0123456789a root handle 1: tbf rate 83886080bit burst 1048576 latency 100ms',
      'ip link set dev msbi0123456789a up',
      'tc qdisc add dev eth0 clsact',
      'tc filter add dev eth0 egress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev msbi0123456789a',
      'tc qdisc add dev eth1 clsact',
      'tc filter add dev eth1 egress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev msbi0123456789a',
    ]);
    expect(ifbName('0123456789abcdef')).toHaveLength(15);
  });

  it('refuses a bucket that cannot pass a full-size frame of the network', () => {
    expect(() => checkShapeable(parseBandwidth('1K/1ms'), '1K/1ms', [1500])).toThrow(/a bucket of 1024 bytes cannot pass a 1514-byte frame/);
    expect(() => checkShapeable(parseBandwidth('8K/1ms'), '8K/1ms', [9000])).toThrow(/9014-byte frame/);
    expect(() => checkShapeable(parseBandwidth('2K/1ms'), '2K/1ms', [1500])).not.toThrow();
  });
});
