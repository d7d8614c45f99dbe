import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostGateways, parseDefaultGateway, parseLocalAddresses, sameSubnet } from './container-network.js';

// /proc/<pid>/net/fib_trie and route of a runc container on a user-defined network (this host).
const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 172.20.0.0/16 2 0 2
        +-- 172.20.0.0/30 2 0 2
           |-- 172.20.0.0
              /16 link UNICAST
           |-- 172.20.0.2
              /32 host LOCAL
        |-- 172.20.255.255
           /32 link BROADCAST
Local:
  +-- 172.20.0.0/16 2 0 2
           |-- 172.20.0.2
              /32 host LOCAL
`;
const ROUTE = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010014AC	0003	0	0	0	00000000	0	0	0
eth0	000014AC	00000000	0001	0	0	0	0000FFFF	0	0	0
`;

const iface = (address: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, cidr, netmask: '', family: 'IPv4', mac: '', internal });

describe('parseLocalAddresses and parseDefaultGateway', () => {
  it("reads the container's own addresses, without loopback and without repeats", () => {
    expect(parseLocalAddresses(FIB_TRIE)).toEqual(['172.20.0.2']);
    expect(parseLocalAddresses('')).toEqual([]);
  });

  it("reads the default route's gateway", () => {
    expect(parseDefaultGateway(ROUTE)).toBe('172.20.0.1');
    expect(
      parseDefaultGateway(
        ROUTE.split('\n')
          .filter((l) => !l.includes('010014AC'))
          .join('\n'),
      ),
    ).toBeUndefined();
  });
});

describe('sameSubnet and hostGateways', () => {
  it.each<[string, string, boolean]>([
    ['172.20.0.2', '172.20.0.1/16', true],
    ['172.21.0.2', '172.20.0.1/16', false],
    ['10.0.0.5', '10.0.0.1/32', false],
    ['10.0.0.1', '10.0.0.1/32', true],
    ['10.0.0.1', 'bad', false],
  ])('%s in %s → %s', (a, cidr, expected) => {
    expect(sameSubnet(a, cidr)).toBe(expected);
  });

  it('maps each address to the host bridge address on its network, skipping loopback and foreign networks', () => {
    const ifaces = {
      lo: [iface('127.0.0.1', '127.0.0.1/8', true)],
      'br-1': [iface('172.20.0.1', '172.20.0.1/16')],
      'br-2': [iface('172.21.0.1', '172.21.0.1/16')],
    };
    expect([...hostGateways(['172.20.0.2', '172.21.0.9', '192.168.5.5'], ifaces, (name) => name.startsWith('br-'))]).toEqual([
      ['172.20.0.2', '172.20.0.1'],
      ['172.21.0.9', '172.21.0.1'],
    ]);
  });

  it('never takes the host uplink on a macvlan network (same subnet, not a bridge)', () => {
    const ifaces = { eth0: [iface('192.168.1.10', '192.168.1.10/24')], docker0: [iface('172.17.0.1', '172.17.0.1/16')] };
    expect([...hostGateways(['192.168.1.50', '172.17.0.2'], ifaces, (name) => name === 'docker0')]).toEqual([['172.17.0.2', '172.17.0.1']]);
  });
});
