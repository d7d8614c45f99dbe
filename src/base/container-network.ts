import { existsSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

/**
 * parseLocalAddresses reads a netns's own IPv4 addresses from /proc/<pid>/net/fib_trie (the
 * "/32 host LOCAL" leaves of the Local table), without loopback. Reading /proc costs no
 * subprocess, which keeps `create` fast.
 */
export function parseLocalAddresses(fibTrie: string): string[] {
  const found = new Set<string>();
  const lines = fibTrie.split('\n');
  lines.forEach((line, i) => {
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line.trim());
    if (leaf?.[1] && /\/32 host LOCAL/.test(lines[i + 1] ?? '') && !leaf[1].startsWith('127.')) found.add(leaf[1]);
  });
  return [...found];
}

function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** parseDefaultGateway reads the default route's gateway from /proc/<pid>/net/route (little-endian hex). */
export function parseDefaultGateway(route: string): string | undefined {
  for (const line of route.split('\n').slice(1)) {
    const [, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000' && gateway && gateway !== '00000000') return hexToIPv4(gateway);
  }
  return undefined;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** sameSubnet is true when both addresses fall in cidr's prefix (cidr like 172.20.0.1/16). */
export function sameSubnet(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!base || !(prefix >= 1 && prefix <= 32)) return false;
  const mask = prefix === 32 ? 0xffffffff : ~(0xffffffff >>> prefix) >>> 0;
  return (toInt(address) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}

/** isLinuxBridge says whether a host interface is a Linux bridge (Docker's bridge networks are). */
function isLinuxBridge(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

/**
 * hostGateways finds, for each container address, the host's own address on the same network
 * on a Linux bridge (a Docker bridge's gateway address: the relay listens there and the sandbox
 * routes to it). Only bridges count: on macvlan/ipvlan the container shares the LAN's subnet with
 * the host's own uplink, which it cannot reach and where the relay must never listen. Addresses
 * with no such host address (macvlan, --internal networks without a gateway) are left out.
 */
export function hostGateways(
  addresses: readonly string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  bridge: (name: string) => boolean = isLinuxBridge,
): Map<string, string> {
  const hostV4 = Object.entries(interfaces)
    .filter(([name]) => bridge(name))
    .flatMap(([, list]) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal && typeof i.cidr === 'string');
  const out = new Map<string, string>();
  for (const a of addresses) {
    const gw = hostV4.find((i) => i.address !== a && sameSubnet(a, i.cidr as string));
    if (gw) out.set(a, gw.address);
  }
  return out;
}
