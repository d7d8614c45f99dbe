import { MsbError } from '../base/errors.js';

/**
 * A profile's egress bandwidth for gVisor containers, as Debian's `tc` (iproute2) applies it
 * (docs/egress.md). The units are microsandbox's, so one profile means the same on both
 * backends: `SIZE[/DURATION]`, SIZE in bytes with K, M, G = 1024, 1024², 1024³ (msb's
 * parse_size_bytes), DURATION `Nms`, `Ns` or `Nm`, one second when left out. msb's microVM
 * network (libkrun, Firecracker's token bucket) holds SIZE bytes, full at start, refilled at
 * SIZE per DURATION; tc's token bucket filter (tbf) is the same bucket: rate SIZE/DURATION,
 * bucket SIZE.
 *
 * Where: gVisor's netstack writes the container's frames to its interface in the container's
 * network namespace, through that interface's qdisc. The host puts, in that namespace, an ifb
 * of the container's own whose root qdisc is the tbf, and on each of the container's interfaces
 * a clsact qdisc whose egress filter (u32 matching everything: matchall is not built into every
 * kernel, this host's among them) redirects every frame (mirred) to the ifb: one limit for all
 * the container's networks, as a microVM has one NIC. The workload cannot reach them: it talks
 * to gVisor's netstack, never to the host kernel's netlink. Not on the host-side veth: frames
 * an ifb hands back to a device's receive path skip that device's netfilter ingress hook
 * (skb_skip_tc_classify in __netif_receive_skb_core), where msb's nftables marks the
 * container's packets, so shaping there would unmark them and open the profile; leaving the
 * container's namespace, the shaped frames reach the host-side veth as any others, and its
 * ingress hook marks them. Everything dies with the namespace.
 */

/** Bandwidth is a profile's egress limit in bytes. */
export interface Bandwidth {
  /** Sustained rate, bytes per second (SIZE / DURATION). */
  bytesPerSecond: number;
  /** The token bucket: bytes that may leave at once after an idle spell (SIZE). */
  bucketBytes: number;
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** parseSize reads msb's SIZE (`512K`, `10M`, `1500`) as bytes. */
export function parseSize(text: string): number {
  const m = /^([1-9][0-9]*)([KMG]?)$/.exec(text);
  if (!m) throw new MsbError('invalid-policy', `${JSON.stringify(text)} is not a SIZE (bytes, or K, M, G)`);
  return Number(m[1]) * (SIZE_UNITS[m[2] ?? ''] ?? 1);
}

/** parseBandwidth reads msb's SIZE[/DURATION] (`10M/1s`, `1M/100ms`, `512K`). */
export function parseBandwidth(text: string): Bandwidth {
  const [size = '', duration, extra] = text.split('/');
  if (extra !== undefined) throw new MsbError('invalid-policy', `${JSON.stringify(text)} is not SIZE[/DURATION]`);
  const bucketBytes = parseSize(size);
  let ms = 1000;
  if (duration !== undefined) {
    const m = /^([1-9][0-9]*)(ms|s|m)$/.exec(duration);
    if (!m) throw new MsbError('invalid-policy', `${JSON.stringify(text)}: ${JSON.stringify(duration)} is not a DURATION (Nms, Ns or Nm)`);
    ms = Number(m[1]) * (DURATION_MS[m[2] ?? 's'] ?? 1000);
  }
  return { bytesPerSecond: Math.round((bucketBytes * 1000) / ms), bucketBytes };
}

/** ifbName is the container's ifb device: `msbi` and 11 hex digits of its egress key (15 characters, the kernel's limit). */
export function ifbName(key: string): string {
  return `msbi${key.slice(0, 11)}`;
}

/** ShapingRecord is what egress.json keeps of the shaping. */
export interface ShapingRecord {
  /** The ifb in the container's network namespace. */
  ifb: string;
  /** The container's interfaces (their names in its namespace) whose egress goes through the ifb. */
  interfaces: string[];
  bytesPerSecond: number;
  bucketBytes: number;
}

/** TBF_LATENCY_MS bounds how long a packet waits in the bucket's queue (tbf's limit = rate × latency + bucket). */
const TBF_LATENCY_MS = 100;

/**
 * installTcCommands are the `ip`/`tc` argument lists that shape a container, run in its network
 * namespace, in order: the ifb, its tbf, up; then on each of the container's interfaces a clsact
 * qdisc and an egress filter that redirects every frame to the ifb. Each list is one `ip` or
 * `tc` call (first element the command).
 */
export function installTcCommands(s: ShapingRecord): string[][] {
  const bits = s.bytesPerSecond * 8;
  const out: string[][] = [
    ['ip', 'link', 'add', 'name', s.ifb, 'type', 'ifb'],
    ['tc', 'qdisc', 'add', 'dev', s.ifb, 'root', 'handle', '1:', 'tbf', 'rate', `${bits}bit`, 'burst', String(s.bucketBytes), 'latency', `${TBF_LATENCY_MS}ms`],
    ['ip', 'link', 'set', 'dev', s.ifb, 'up'],
  ];
  for (const dev of s.interfaces) {
    out.push(['tc', 'qdisc', 'add', 'dev', dev, 'clsact']);
    out.push([
      'tc',
      'filter',
      'add',
      'dev',
      dev,
      'egress',
      'protocol',
      'all',
      'prio',
      '1',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      s.ifb,
    ]);
  }
  return out;
}

/** checkShapeable fails create for a bucket a full-size packet cannot pass (tbf would drop every such packet). */
export function checkShapeable(b: Bandwidth, text: string, mtus: readonly number[]): void {
  const frame = Math.max(1500, ...mtus) + 14;
  if (b.bucketBytes < frame) {
    throw new MsbError(
      'unsupported',
      `egress: egressBandwidth ${text}: a bucket of ${b.bucketBytes} bytes cannot pass a ${frame}-byte frame (the network's MTU); give SIZE at least ${frame} bytes and a shorter DURATION for a low rate`,
    );
  }
}
