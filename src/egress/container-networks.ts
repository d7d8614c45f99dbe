import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostGateways } from '../base/container-network.js';
import { MsbError } from '../base/errors.js';
import type { ContainerNetwork } from './nft-ruleset.js';

/** NetnsLink is one interface of `ip -j addr` (the fields msb reads). */
interface NetnsLink {
  ifname?: string;
  link_index?: number;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

/** PeerAddress is a container interface's IPv4 address and the host ifindex of its veth peer. */
interface PeerAddress {
  ifname: string;
  peerIndex: number;
  address: string;
  prefix: number;
}

/** parseNetnsLinks reads `ip -j addr` from the container's netns: every non-loopback IPv4 address of an interface with a peer (a veth). */
function parseNetnsLinks(json: string): { peers: PeerAddress[]; unpaired: string[] } {
  const links = JSON.parse(json) as NetnsLink[];
  const peers: PeerAddress[] = [];
  const unpaired: string[] = [];
  for (const l of links) {
    if (!l.ifname || l.ifname === 'lo') continue;
    const v4 = (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local && a.scope !== 'host');
    if (l.link_index === undefined) {
      if (v4.length > 0) unpaired.push(l.ifname);
      continue;
    }
    for (const a of v4) peers.push({ ifname: l.ifname, peerIndex: l.link_index, address: a.local as string, prefix: a.prefixlen ?? 32 });
  }
  return { peers, unpaired };
}

/** hostIfnames maps host ifindex → interface name from /sys/class/net (this process is in the host's netns). */
function hostIfnames(list = (): string[] => readdirSync('/sys/class/net'), read = (p: string): string => readFileSync(p, 'utf8')): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of list()) {
    try {
      out.set(Number(read(`/sys/class/net/${name}/ifindex`).trim()), name);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * containerNetworks finds a sandbox's Docker networks from its netns once Docker has plugged the
 * veths in (create's libnetwork-setkey hook on Docker ≤ 27): for each IPv4 address, the host-side
 * veth, the prefix and the host's gateway on that network. An interface with an address but no
 * veth peer (macvlan, ipvlan) cannot be tied to a host interface, so create fails: msb never runs
 * a container wider open than its profile says.
 */
export function containerNetworks(
  pid: number,
  ipAddr = (p: number): string => {
    const r = spawnSync('nsenter', [`--net=/proc/${p}/ns/net`, 'ip', '-j', 'addr'], { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0)
      throw new MsbError(
        'backend',
        `egress: cannot read the network of pid ${p} (nsenter ip -j addr): ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`,
      );
    return r.stdout;
  },
  ifnames = hostIfnames,
  gateways = hostGateways,
): ContainerNetwork[] {
  const { peers, unpaired } = parseNetnsLinks(ipAddr(pid));
  if (unpaired.length > 0)
    throw new MsbError(
      'unsupported',
      `egress: interface ${unpaired.join(', ')} of the container is not a veth (macvlan/ipvlan?), so its traffic cannot be filtered on the host`,
    );
  const names = ifnames();
  const gw = gateways(peers.map((p) => p.address));
  return peers.map((p) => {
    const veth = names.get(p.peerIndex);
    if (!veth) throw new MsbError('backend', `egress: the host has no interface with index ${p.peerIndex} (the peer of the container's ${p.ifname})`);
    return { veth, ifname: p.ifname, address: p.address, prefix: p.prefix, ...(gw.get(p.address) ? { gateway: gw.get(p.address) as string } : {}) };
  });
}
