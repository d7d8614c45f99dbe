import { readFileSync, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { dirname, join } from 'node:path';
import { hostGateways, parseDefaultGateway, parseLocalAddresses } from '../base/container-network.js';
import type { Registration } from './registration.js';
import { isLoopback } from './resolv-conf.js';

/** RegistrationInputs are what msb knows about a container once Docker has set its network up. */
export interface RegistrationInputs {
  id: string;
  dir: string;
  pid: number;
  /** Docker's resolv.conf; its directory holds Docker's hostconfig.json (the container's --dns). */
  dockerResolvConf: string;
  policyUpstreams: readonly string[];
  hostResolvers: () => string[];
  rateLimit: number;
  /**
   * Where the netns's fib_trie and route are read (default /proc/<pid>/net); a restore reads the
   * copies its network snapshot hook made (src/dns/network-snapshot-hook.ts).
   */
  netDir?: string;
  cacheMs?: number;
}

/** ContainerRegistration is a registration and the nameserver the container's resolv.conf names. */
export type ContainerRegistration = { reg: Registration; nameserver: string } | { reason: string };

/** dockerDnsServers reads the container's --dns servers from Docker's hostconfig.json (Docker keeps them behind 127.0.0.11). */
export function dockerDnsServers(hostconfig: string): string[] {
  try {
    const dns = (JSON.parse(hostconfig) as { Dns?: unknown }).Dns;
    return Array.isArray(dns) ? dns.filter((s): s is string => typeof s === 'string' && isIPv4(s) && !isLoopback(s)) : [];
  } catch {
    return [];
  }
}

/**
 * containerRegistration builds the relay registration of a gVisor container from its netns as
 * Docker configured it (in create's libnetwork-setkey hook up to Docker 27, before start from
 * Docker 28): the addresses are read before `runsc start` moves them into the sandbox's netstack
 * (the host side keeps none).
 */
export function containerRegistration(
  i: RegistrationInputs,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
  inode: (p: string) => number = (p) => statSync(p).ino,
  interfaces?: Parameters<typeof hostGateways>[1],
  bridge?: Parameters<typeof hostGateways>[2],
): ContainerRegistration {
  const proc = `/proc/${i.pid}`;
  const net = i.netDir ?? join(proc, 'net');
  let addresses: string[];
  let defaultGateway: string | undefined;
  try {
    addresses = parseLocalAddresses(read(join(net, 'fib_trie')));
    defaultGateway = parseDefaultGateway(read(join(net, 'route')));
  } catch (err) {
    return { reason: `cannot read the network of pid ${i.pid}${i.netDir ? ` as recorded in ${i.netDir}` : ''}: ${(err as Error).message}` };
  }
  const gateways = hostGateways(addresses, interfaces, bridge);
  if (gateways.size === 0) return { reason: `no host address shares a network with ${addresses.join(', ') || 'the container (it has no IPv4 address)'}` };
  const usable = addresses.filter((a) => gateways.has(a));
  const gatewayList = [...new Set(usable.map((a) => gateways.get(a) as string))];
  let dockerDns: string[] = [];
  try {
    dockerDns = dockerDnsServers(read(join(dirname(i.dockerResolvConf), 'hostconfig.json')));
  } catch {
    // Not a Docker container (a bare bundle): policy or the host's resolvers.
  }
  const upstreams = dockerDns.length > 0 ? dockerDns : i.policyUpstreams.length > 0 ? [...i.policyUpstreams] : i.hostResolvers();
  const netns = join(proc, 'ns/net');
  const reg: Registration = {
    id: i.id,
    dir: i.dir,
    pid: i.pid,
    netns,
    netnsInode: inode(netns),
    addresses: usable,
    gateways: gatewayList,
    upstreams: upstreams.filter((u) => isIPv4(u)),
    rateLimit: i.rateLimit,
  };
  if (i.cacheMs !== undefined) reg.cacheMs = i.cacheMs;
  const nameserver = defaultGateway && gatewayList.includes(defaultGateway) ? defaultGateway : (gatewayList[0] as string);
  return { reg, nameserver };
}
