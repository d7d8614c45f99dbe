import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/** SYS_NET is where the host's interfaces are listed (a parameter for tests). */
const SYS_NET = '/sys/class/net';

/**
 * peerIndexes reads `ip -o link` output from a container's netns: each veth end there names its
 * host-side peer's ifindex (`eth0@if45`). Pure.
 */
export function peerIndexes(ipLinkOutput: string): number[] {
  const out: number[] = [];
  for (const line of ipLinkOutput.split('\n')) {
    const m = /^\d+:\s+[^@:\s]+@if(\d+):/.exec(line);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** HostPort is a host-side veth and the bridge it is a port of. */
export interface HostPort {
  name: string;
  bridge: string;
}

/** hostPortsByIndex finds the host interfaces with these ifindexes and the bridge each is a port of. */
export function hostPortsByIndex(indexes: readonly number[], sysNet = SYS_NET): HostPort[] {
  const want = new Set(indexes);
  const ports: HostPort[] = [];
  for (const name of readdirSync(sysNet)) {
    try {
      if (!want.has(Number(readFileSync(join(sysNet, name, 'ifindex'), 'utf8').trim()))) continue;
      ports.push({ name, bridge: basename(readlinkSync(join(sysNet, name, 'master'))) });
    } catch {
      // gone meanwhile, or not a bridge port
    }
  }
  return ports;
}

/** NetnsLinks lists a network namespace's links (`ip -o link show` run in it). */
export type NetnsLinks = (nsenter: string, netns: string) => Promise<string>;

const realNetnsLinks: NetnsLinks = (nsenter, netns) =>
  new Promise((resolve, reject) => {
    execFile(nsenter, [`--net=${netns}`, 'ip', '-o', 'link', 'show'], { timeout: 5000, cwd: '/' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/**
 * containerBridgePorts names the host-side veth of each of a container's interfaces and its
 * bridge: the port its packets enter the host by, which no other container on that bridge can
 * use (issue 15: a neighbour on the same bridge can forge the address, not the port).
 */
export async function containerBridgePorts(nsenter: string, netns: string, links: NetnsLinks = realNetnsLinks, sysNet = SYS_NET): Promise<HostPort[]> {
  return hostPortsByIndex(peerIndexes(await links(nsenter, netns)), sysNet);
}
