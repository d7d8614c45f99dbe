import { existsSync, readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { MsbError } from '../base/errors.js';
import { writeFileAtomic } from '../base/record.js';
import { checkShapeable, ifbName, parseBandwidth, type ShapingRecord } from './bandwidth.js';
import { containerNetworks } from './container-networks.js';
import { listTable, type NftRun, realNft } from './nft.js';
import {
  baseCommands,
  type ContainerNetwork,
  egressKey,
  installCommands,
  isNameRule,
  type Listing,
  MARK_BASE,
  objectNames,
  recordedContainers,
  removeCommands,
  usedMarks,
} from './nft-ruleset.js';
import type { EgressProfile } from './profiles.js';
import { installShaping, realShapingHost, type ShapingHost } from './tc.js';

/** EGRESS_FILE, in a container's record directory, says what msb installed for it (written before installing). */
export const EGRESS_FILE = 'egress.json';

/** EGRESS_AT_START_FILE holds the profile and sandbox pid until start installs the rules (Docker 28+). */
export const EGRESS_AT_START_FILE = 'egress-at-start.json';

/** NameRule is a domain or suffix rule as the DNS relay applies it. */
export interface NameRule {
  kind: 'domain' | 'suffix';
  name: string;
  action: 'allow' | 'deny';
  /** The set the relay adds the answer's addresses to (allow rules). */
  set: string;
}

/** ContainerEgress is EGRESS_FILE: the container's enforced profile as the host and the relay apply it. */
export interface ContainerEgress {
  profile: string;
  key: string;
  mark?: number;
  networks: ContainerNetwork[];
  names: NameRule[];
  /** Names that match no name rule are answered (the packet rules decide), else only the peers' names are. */
  otherNames: 'answer' | 'peers-only';
  peers: boolean;
  dnsRebindProtection: boolean;
  /** The egress bandwidth shaping installed with tc in the container's network namespace (egressBandwidth); it goes with the namespace. */
  shaping?: ShapingRecord;
}

/** EgressHost is the system boundary of enforcement: nft, its listing, the container's networks; tests pass fakes. */
export interface EgressHost {
  nft: NftRun;
  list: () => Listing;
  networks: (pid: number) => ContainerNetwork[];
  exists: (path: string) => boolean;
  /** Whether bridged IPv4 traffic passes the host's netfilter hooks (net.bridge.bridge-nf-call-iptables). */
  bridgeNfCall?: () => boolean;
  /** nsenter, ip and tc, for egressBandwidth (bandwidth.ts). */
  shaping?: ShapingHost;
}

function bridgeNfCall(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** realEgressHost is nft and the kernel. */
export function realEgressHost(): EgressHost {
  return { nft: realNft(), list: () => listTable(), networks: (pid) => containerNetworks(pid), exists: existsSync, shaping: realShapingHost() };
}

/** namePolicy is how the DNS relay treats names under a profile. */
export function namePolicy(profile: EgressProfile, key: string): Pick<ContainerEgress, 'names' | 'otherNames'> {
  const n = objectNames(key);
  const names = profile.rules.flatMap((r, i): NameRule[] =>
    r.target.kind === 'domain' || r.target.kind === 'suffix' ? [{ kind: r.target.kind, name: r.target.name, action: r.action, set: n.nameSet(i) }] : [],
  );
  // A profile whose address rules can allow something beyond the peers answers any other name
  // and lets the packet filter decide; one that cannot (airgapped, pypi-only) answers only names
  // Docker's resolver knows (the peers), so nothing else even leaves the host as a query.
  const byAddress = profile.rules.some((r) => r.action === 'allow' && !isNameRule(r) && r.target.kind !== 'dns');
  return { names, otherNames: byAddress ? 'answer' : 'peers-only' };
}

/** readContainerEgress reads a record directory's EGRESS_FILE, or undefined. */
export function readContainerEgress(dir: string): ContainerEgress | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, EGRESS_FILE), 'utf8')) as ContainerEgress;
  } catch {
    return undefined;
  }
}

/**
 * removeEgress removes whatever the table holds of the container of a record directory (delete,
 * a failed create). The bandwidth shaping lives in the container's network namespace and goes
 * with it.
 */
export function removeEgress(dir: string, host: Pick<EgressHost, 'nft' | 'list'> = realEgressHost()): string | undefined {
  const key = readContainerEgress(dir)?.key ?? egressKey(dir);
  const commands = removeCommands(host.list(), key);
  if (commands.length === 0) return undefined;
  const r = host.nft(commands);
  return r.ok ? undefined : r.error;
}

/** sweepOrphans removes the objects of containers whose record directory is gone (a create killed midway and its record removed). */
export function sweepOrphans(host: EgressHost, debug: (m: string) => void): void {
  const listing = host.list();
  for (const [key, dir] of recordedContainers(listing)) {
    if (!dir.startsWith('/') || host.exists(dir)) continue;
    const commands = removeCommands(listing, key);
    const r = commands.length > 0 ? host.nft(commands) : { ok: true as const };
    debug(`egress: removed the nftables objects of ${dir}, which no longer exists${r.ok ? '' : ` (failed: ${r.error})`}`);
  }
}

/**
 * enforceEgress ties a gVisor container's egress profile to its host-side veths, after Docker
 * plugged them in and before the workload runs: it writes EGRESS_FILE (so delete and the relay
 * know the objects) and installs the container's chain, sets and marks in one nft batch. A
 * container mark is picked at random among the free ones and taken with `create`, so two
 * concurrent creates never share one. Every failure throws: create fails and removes what was made.
 */
export function enforceEgress(
  dir: string,
  profile: EgressProfile,
  pid: number,
  debug: (m: string) => void,
  host: EgressHost = realEgressHost(),
): ContainerEgress {
  const networks = host.networks(pid);
  // Traffic between two containers on one bridge reaches msb's prerouting chain only through
  // br_netfilter (Docker turns it on); without it, a profile that keeps the peers out cannot hold.
  if (!profile.peers && networks.length > 0 && (host.bridgeNfCall ?? bridgeNfCall)() !== true) {
    throw new MsbError(
      'host-unsupported',
      `egress: profile "${profile.name}" keeps the container's peers out, which needs net.bridge.bridge-nf-call-iptables=1 (br_netfilter; Docker sets it unless --iptables=false)`,
    );
  }
  const key = egressKey(dir);
  const egress: ContainerEgress = {
    profile: profile.name,
    key,
    networks,
    ...namePolicy(profile, key),
    peers: profile.peers,
    dnsRebindProtection: profile.dnsRebindProtection,
  };
  const shaping = host.shaping ?? realShapingHost();
  if (profile.egressBandwidth !== undefined && networks.length > 0) {
    const b = parseBandwidth(profile.egressBandwidth);
    checkShapeable(
      b,
      profile.egressBandwidth,
      networks.flatMap((x) => shaping.mtu(x.veth) ?? []),
    );
    const interfaces = [...new Set(networks.flatMap((x) => (x.ifname ? [x.ifname] : [])))];
    if (interfaces.length === 0)
      throw new MsbError('backend', `egress: profile "${profile.name}": the container's interfaces are not known, so its egressBandwidth cannot be shaped`);
    egress.shaping = { ifb: ifbName(key), interfaces, ...b };
  }
  if (networks.length === 0) {
    writeFileAtomic(join(dir, EGRESS_FILE), `${JSON.stringify(egress)}\n`, 0o600);
    debug(`egress: ${profile.name}: the container has no network interface but lo; nothing leaves it, nothing to install`);
    return egress;
  }
  try {
    sweepOrphans(host, debug);
  } catch (err) {
    debug(`egress: sweep of orphaned objects failed: ${(err as Error).message}`);
  }
  let last = '';
  for (let attempt = 0; attempt < 8; attempt++) {
    const used = usedMarks(host.list());
    let n = randomInt(1, 0x10000);
    for (let k = 0; used.has(MARK_BASE + n) && k < 0x10000; k++) n = (n % 0xffff) + 1;
    egress.mark = MARK_BASE + n;
    writeFileAtomic(join(dir, EGRESS_FILE), `${JSON.stringify(egress)}\n`, 0o600);
    const r = host.nft([...baseCommands(), ...installCommands({ key, mark: egress.mark, profile, networks, comment: dir })]);
    if (r.ok) {
      if (egress.shaping) {
        installShaping(egress.shaping, pid, shaping);
        debug(
          `egress: ${profile.name}: egress shaped to ${egress.shaping.bytesPerSecond} bytes/s, bucket ${egress.shaping.bucketBytes} bytes (egressBandwidth ${profile.egressBandwidth}): ifb ${egress.shaping.ifb} behind ${egress.shaping.interfaces.join(', ')} in the container's network namespace`,
        );
      }
      debug(
        `egress: ${profile.name} enforced on ${networks.map((x) => `${x.veth} (${x.address}/${x.prefix}${x.gateway ? `, gateway ${x.gateway}` : ''})`).join(', ')}: nft table inet msb, chain ${objectNames(key).chain}, mark 0x${egress.mark.toString(16)}`,
      );
      return egress;
    }
    last = r.error;
    if (!/File exists/.test(r.error)) break; // only a mark taken meanwhile is worth another try
  }
  throw new MsbError('backend', `egress: cannot install the nftables rules of profile "${profile.name}": ${last}`);
}
