import { createHash } from 'node:crypto';
import { GROUP_RANGES, NOT_PUBLIC } from './address-groups.js';
import type { EgressProfile } from './profiles.js';
import type { EgressRule } from './rule-grammar.js';

/**
 * The host's egress filter for gVisor containers, as `nft -j` commands (docs/egress.md). One
 * table, `inet msb`:
 *
 * - per container, a base chain on the INGRESS hook of each of its host-side veths marks every
 *   packet the container sends with the container's own mark (MARK_BASE | n). Ingress runs before
 *   bridging and routing, so the mark says which veth a packet came in on, whatever source
 *   address it carries: a forged source gets the forger's policy, never its victim's.
 * - one PREROUTING chain (after conntrack, before DNAT) sends marked packets to their
 *   container's chain through the map `containers`. Prerouting precedes both the forward path
 *   and the input path (the host itself behind the gateway), and with Docker's br_netfilter it
 *   also sees traffic bridged to peers on the same network.
 * - the container's chain: replies of connections that are already tracked pass; the relay's
 *   port 53 on the container's gateways passes; any other address of the host is dropped; then
 *   the profile's rules in order (first match decides; names match addresses the DNS relay
 *   learned into per-rule sets, with the answer's TTL); then the peers (the host's gateway
 *   excluded); everything else is counted in the container's drop counter and dropped.
 *
 * Every object is named after a key derived from the container's record directory, so delete
 * finds them without asking the kernel, and removal adds each object before deleting it (a
 * no-op for one that exists) so that one batch removes whatever is there and never fails on
 * what a killed create did not get to.
 */

/** TABLE is msb's nftables table (family inet). */
const TABLE = 'msb';

/** MARK_BASE marks msb's containers' packets in the upper 16 bits ("ms"); the lower 16 are the container. */
export const MARK_BASE = 0x6d730000;
const MARK_MASK = 0xffff0000;

/** INGRESS_PRIORITY and PREROUTING_PRIORITY place msb's chains (prerouting after conntrack at -200, before DNAT at -100). */
const INGRESS_PRIORITY = -500;
const PREROUTING_PRIORITY = -150;

/** ContainerNetwork is one of the container's Docker networks, as its netns showed it at create. */
export interface ContainerNetwork {
  /** The host-side veth (peer of the container's interface). */
  veth: string;
  /** The container's interface in its own network namespace (where bandwidth is shaped). */
  ifname?: string;
  /** The container's IPv4 address and the network's prefix length. */
  address: string;
  prefix: number;
  /** The host's own address on that network (the bridge's), where the relay listens; undefined without one. */
  gateway?: string;
}

/** EgressTarget is what the ruleset of one container is built from. */
export interface EgressTarget {
  /** egressKey(record directory): names every object of the container. */
  key: string;
  mark: number;
  profile: EgressProfile;
  networks: ContainerNetwork[];
  /** The record directory, kept as the comment of the ingress chain's rule (≤ 128 bytes) so a sweep finds containers whose record is gone. */
  comment: string;
}

/** ObjectNames are the nftables objects of one container. */
export interface ObjectNames {
  chain: string;
  counter: string;
  ingress: (i: number) => string;
  /** The set of addresses learned for the name rule at index i of the profile's rules. */
  nameSet: (i: number) => string;
}

/** egressKey names a container's objects: 16 hex digits of the record directory's hash (chain names stay short, any id works). */
export function egressKey(recordDir: string): string {
  return createHash('sha256').update(recordDir).digest('hex').slice(0, 16);
}

/** objectNames lists the names of a container's objects. */
export function objectNames(key: string): ObjectNames {
  return { chain: `c_${key}`, counter: `drop_${key}`, ingress: (i) => `in_${key}_${i}`, nameSet: (i) => `n_${key}_${i}` };
}

type Json = Record<string, unknown>;
const at = { family: 'inet', table: TABLE };
const daddr4 = { payload: { protocol: 'ip', field: 'daddr' } };
const daddr6 = { payload: { protocol: 'ip6', field: 'daddr' } };

function cidr(text: string): unknown {
  const [addr = '', len] = text.split('/');
  const max = addr.includes(':') ? 128 : 32;
  return len === undefined || Number(len) === max ? addr : { prefix: { addr, len: Number(len) } };
}

function match(left: unknown, right: unknown, op = '=='): Json {
  return { match: { op, left, right } };
}

function inSet(family: 4 | 6, ranges: readonly string[], op = '=='): Json[] {
  const list = ranges.filter((r) => r.includes(':') === (family === 6));
  if (list.length === 0) return [];
  return [match(family === 4 ? daddr4 : daddr6, { set: list.map(cidr) }, op)];
}

function nfproto(family: 4 | 6): Json {
  return match({ meta: { key: 'nfproto' } }, family === 4 ? 'ipv4' : 'ipv6');
}

/** protocolMatch is the rule's protocol and ports as nft expressions. */
function protocolMatch(rule: EgressRule): Json[] {
  if (rule.protocol === 'any') return [];
  const proto = { icmpv4: 'icmp', icmpv6: 'ipv6-icmp', tcp: 'tcp', udp: 'udp' }[rule.protocol];
  const out: Json[] = [match({ meta: { key: 'l4proto' } }, proto)];
  if (rule.ports) {
    const dport = { payload: { protocol: rule.protocol, field: 'dport' } };
    out.push(match(dport, rule.ports.from === rule.ports.to ? rule.ports.from : { range: [rule.ports.from, rule.ports.to] }));
  }
  return out;
}

function verdict(rule: EgressRule): Json {
  return rule.action === 'allow' ? { accept: null } : { drop: null };
}

/**
 * ruleMatches turns one profile rule into the address matches it needs (each an alternative:
 * one nft rule per entry). Names match their learned set; `host` is the container's gateways.
 */
function ruleMatches(rule: EgressRule, index: number, names: ObjectNames, gateways: readonly string[]): Json[][] {
  const t = rule.target;
  switch (t.kind) {
    case 'any':
      return [[]];
    case 'dns':
      return gateways.length === 0 ? [] : [[...inSet(4, gateways)]];
    case 'cidr':
      return [[match(t.family === 4 ? daddr4 : daddr6, cidr(`${t.address}/${t.prefix}`))]];
    case 'domain':
    case 'suffix':
      return [[match(daddr4, `@${names.nameSet(index)}`)]];
    case 'group':
      if (t.group === 'public')
        return [
          [nfproto(4), ...inSet(4, NOT_PUBLIC, '!=')],
          [nfproto(6), ...inSet(6, NOT_PUBLIC, '!=')],
        ];
      if (t.group === 'host') return gateways.length === 0 ? [] : [inSet(4, gateways)];
      {
        const ranges = GROUP_RANGES[t.group];
        return ([4, 6] as const).flatMap((f) => (inSet(f, ranges).length > 0 ? [inSet(f, ranges)] : []));
      }
  }
}

function rule(chain: string, expr: Json[], comment?: string): Json {
  return { add: { rule: { ...at, chain, expr, ...(comment ? { comment } : {}) } } };
}

/** LOG_PREFIX starts the kernel log line of every packet msb refuses (`msbctl egress log` reads them). */
export const LOG_PREFIX = 'msb-egress';

/**
 * LOG_LIMIT bounds the log lines of each refusing rule: a container that floods refused packets
 * cannot fill the kernel's log (the drop and its counter are not limited, only the logging).
 */
export const LOG_LIMIT = { rate: 10, per: 'second', burst: 20 } as const;

/** logPrefix is `msb-egress <key> <id> `: the container's key and id (its record directory's name), so a log line names its container after delete too. */
export function logPrefix(key: string, recordDir: string): string {
  const id = (recordDir.split('/').filter(Boolean).pop() ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || '-';
  return `${LOG_PREFIX} ${key} ${id} `;
}

/** refuse is a drop that is logged (rate-limited, in a rule of its own that falls through) and, with a counter, counted. */
function refuse(chain: string, expr: Json[], comment: string, prefix: string, counter?: string): Json[] {
  return [
    rule(chain, [...expr, { limit: { ...LOG_LIMIT } }, { log: { prefix, level: 'info' } }], `log: ${comment}`.slice(0, 128)),
    rule(chain, [...expr, ...(counter ? [{ counter }] : []), { drop: null }], comment),
  ];
}

/** baseCommands make the table, its prerouting chain and the container map; idempotent, and exactly one dispatch rule (flush + add in one batch). */
export function baseCommands(): Json[] {
  const mark = { meta: { key: 'mark' } };
  return [
    { add: { table: { ...at, name: TABLE } } },
    { add: { map: { ...at, name: 'containers', type: 'mark', map: 'verdict' } } },
    { add: { chain: { ...at, name: 'prerouting', type: 'filter', hook: 'prerouting', prio: PREROUTING_PRIORITY, policy: 'accept' } } },
    { flush: { chain: { ...at, name: 'prerouting' } } },
    rule('prerouting', [match({ '&': [mark, MARK_MASK] }, MARK_BASE), { vmap: { key: mark, data: '@containers' } }]),
    // A marked packet whose container has no entry (being removed, or never finished) is dropped:
    // a missing entry must close the container, never open it.
    rule('prerouting', [match({ '&': [mark, MARK_MASK] }, MARK_BASE), { drop: null }], 'a container without its chain'),
  ];
}

/** isNameRule is true for a rule whose addresses come from the DNS relay. */
export function isNameRule(r: EgressRule): boolean {
  return r.target.kind === 'domain' || r.target.kind === 'suffix';
}

/** installCommands add one container's objects (after baseCommands); the map entry is `create`, so a mark in use fails the batch. */
export function installCommands(t: EgressTarget): Json[] {
  const n = objectNames(t.key);
  const gateways = [...new Set(t.networks.flatMap((x) => (x.gateway ? [x.gateway] : [])))];
  const out: Json[] = [
    { add: { counter: { ...at, name: n.counter } } },
    { add: { chain: { ...at, name: n.chain } } },
    { flush: { chain: { ...at, name: n.chain } } },
  ];
  t.profile.rules.forEach((r, i) => {
    if (isNameRule(r)) out.push({ add: { set: { ...at, name: n.nameSet(i), type: 'ipv4_addr', flags: ['timeout'] } } });
  });
  const c = n.chain;
  const prefix = logPrefix(t.key, t.comment);
  out.push(rule(c, [match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), { accept: null }], 'replies'));
  if (gateways.length > 0) {
    for (const proto of ['udp', 'tcp'])
      out.push(
        rule(
          c,
          [...inSet(4, gateways), match({ meta: { key: 'l4proto' } }, proto), match({ payload: { protocol: proto, field: 'dport' } }, 53), { accept: null }],
          'the DNS relay',
        ),
      );
  }
  // The host itself (any of its addresses, before the profile's rules: allow@public must not
  // open a public address of the host): only through a rule allow@host.
  const hostAllowed = t.profile.rules.filter((r) => r.action === 'allow' && r.target.kind === 'group' && r.target.group === 'host');
  if (hostAllowed.length === 0) {
    out.push(...refuse(c, [match({ fib: { result: 'type', flags: ['daddr'] } }, 'local')], 'the host', prefix, n.counter));
  }
  t.profile.rules.forEach((r, i) => {
    for (const m of ruleMatches(r, i, n, gateways)) {
      if (r.action === 'deny') out.push(...refuse(c, [...m, ...protocolMatch(r)], r.token, prefix));
      else out.push(rule(c, [...m, ...protocolMatch(r), verdict(r)], r.token));
    }
  });
  if (t.profile.peers) {
    if (gateways.length > 0) out.push(...refuse(c, inSet(4, gateways), 'the host is not a peer', prefix, n.counter));
    const subnets = [...new Set(t.networks.map((x) => `${x.address}/${x.prefix}`))];
    out.push(rule(c, [...inSet(4, subnets.map(networkOf)), { accept: null }], 'peers'));
  }
  out.push(...refuse(c, [], 'everything else', prefix, n.counter));
  out.push({ create: { element: { ...at, name: 'containers', elem: [[t.mark, { jump: { target: c } }]] } } });
  t.networks.forEach((x, i) => {
    out.push({ add: { chain: { ...at, name: n.ingress(i), type: 'filter', hook: 'ingress', dev: x.veth, prio: INGRESS_PRIORITY, policy: 'accept' } } });
    out.push({ flush: { chain: { ...at, name: n.ingress(i) } } });
    // nft keeps at most 128 bytes of comment; a longer path is left out (the sweep skips it).
    out.push(rule(n.ingress(i), [{ mangle: { key: { meta: { key: 'mark' } }, value: t.mark } }], Buffer.byteLength(t.comment) <= 128 ? t.comment : undefined));
  });
  return out;
}

/** networkOf is the network prefix of address/prefix (10.1.2.3/16 → 10.1.0.0/16). */
export function networkOf(addressPrefix: string): string {
  const [a = '', p = '32'] = addressPrefix.split('/');
  const bits = Number(p);
  const n = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const v = (n & mask) >>> 0;
  return `${[v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.')}/${bits}`;
}

/** Listing is `nft -j list table inet msb`'s objects. */
export type Listing = readonly Record<string, Record<string, unknown>>[];

/** usedMarks lists the marks the container map holds. */
export function usedMarks(listing: Listing): Set<number> {
  const map = listing.find((o) => o.map?.name === 'containers')?.map;
  const elems = (map?.elem ?? []) as unknown[];
  return new Set(elems.flatMap((e) => (Array.isArray(e) && typeof e[0] === 'number' ? [e[0]] : [])));
}

/**
 * removeCommands remove what the table holds of one container, and nothing else: the map
 * entries that jump to its chain (so a mark reused by another container is never touched), its
 * ingress chains, its chain, sets and counter. Empty when nothing of it is there.
 */
export function removeCommands(listing: Listing, key: string): Json[] {
  const n = objectNames(key);
  const out: Json[] = [];
  const map = listing.find((o) => o.map?.name === 'containers')?.map;
  for (const e of (map?.elem ?? []) as unknown[]) {
    if (Array.isArray(e) && (e[1] as { jump?: { target?: string } })?.jump?.target === n.chain)
      out.push({ delete: { element: { ...at, name: 'containers', elem: [e[0]] } } });
  }
  const chains = listing.flatMap((o) => (typeof o.chain?.name === 'string' ? [o.chain.name] : []));
  for (const c of chains) if (c.startsWith(`in_${key}_`)) out.push({ delete: { chain: { ...at, name: c } } });
  if (chains.includes(n.chain)) out.push({ flush: { chain: { ...at, name: n.chain } } }, { delete: { chain: { ...at, name: n.chain } } });
  for (const o of listing)
    if (typeof o.set?.name === 'string' && o.set.name.startsWith(`n_${key}_`)) out.push({ delete: { set: { ...at, name: o.set.name } } });
  if (listing.some((o) => o.counter?.name === n.counter)) out.push({ delete: { counter: { ...at, name: n.counter } } });
  return out;
}

/** recordedContainers maps each container key in the table to the record directory its ingress rule names. */
export function recordedContainers(listing: Listing): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of listing) {
    const r = o.rule;
    const m = typeof r?.chain === 'string' ? /^in_([0-9a-f]{16})_\d+$/.exec(r.chain) : null;
    if (m?.[1] && typeof r?.comment === 'string') out.set(m[1], r.comment);
  }
  return out;
}

/** learnCommands put addresses the relay handed out for a name into the rule's set for ttl seconds (re-added, so a longer TTL extends an earlier one). */
export function learnCommands(set: string, addresses: readonly string[], ttlSeconds: number): Json[] {
  if (addresses.length === 0) return [];
  const elem = addresses.map((val) => ({ elem: { val, timeout: ttlSeconds } }));
  const plain = addresses.map((val) => val);
  return [
    { add: { element: { ...at, name: set, elem: plain } } },
    { delete: { element: { ...at, name: set, elem: plain } } },
    { add: { element: { ...at, name: set, elem } } },
  ];
}
