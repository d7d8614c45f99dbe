import { MsbError } from '../oci/errors.js';

/**
 * A profile's egress bandwidth for gVisor containers, as Debian's `tc` (iproute2) applies it on
 * the host (docs/egress.md). The units are microsandbox's, so one profile means the same on both
 * backends: `SIZE[/DURATION]`, SIZE in bytes with K, M, G = 1024, 1024², 1024³ (msb's
 * parse_size_bytes), DURATION `Nms`, `Ns` or `Nm`, one second when left out. msb's microVM
 * network (libkrun, Firecracker's token bucket) holds SIZE bytes, full at start, refilled at
 * SIZE per DURATION; tc's token bucket filter (tbf) is the same bucket: rate SIZE/DURATION,
 * bucket SIZE.
 *
 * The container's packets leave it through its veths: the host receives them on the host-side
 * veth (its ingress), where no qdisc can queue. So each host-side veth gets an ingress qdisc
 * whose one filter (u32 matching everything: matchall is not built into every kernel, this
 * host's among them) redirects every packet (mirred) to an ifb device of the container's own, and
 * the ifb's root qdisc is the tbf: one limit for all the container's networks, as a microVM has
 * one NIC. The ifb hands the packet back to the veth's receive path after the bucket released
 * it, so msb's nftables rules (the veth's ingress hook) still see every packet.
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

/** IFB_PREFIX starts the name of every ifb msb makes (the sweep looks at these only). */
export const IFB_PREFIX = 'msbi';

/** ShapingRecord is what egress.json keeps of the shaping, so delete removes exactly it. */
export interface ShapingRecord {
  ifb: string;
  veths: string[];
  bytesPerSecond: number;
  bucketBytes: number;
}

/** TBF_LATENCY_MS bounds how long a packet waits in the bucket's queue (tbf's limit = rate × latency + bucket). */
const TBF_LATENCY_MS = 100;

/**
 * installTcCommands are the `ip`/`tc` argument lists that shape a container, in order: the ifb
 * (its alias is the record directory, so a sweep finds shapers whose container is gone), its
 * tbf, up; then on each host-side veth an ingress qdisc and a filter that redirects
 * every packet to the ifb. Each list is one `ip` or `tc` call (first element the command).
 */
export function installTcCommands(s: ShapingRecord, recordDir: string): string[][] {
  const bits = s.bytesPerSecond * 8;
  const out: string[][] = [
    ['ip', 'link', 'add', 'name', s.ifb, 'type', 'ifb'],
    ['ip', 'link', 'set', 'dev', s.ifb, 'alias', recordDir],
    ['tc', 'qdisc', 'add', 'dev', s.ifb, 'root', 'handle', '1:', 'tbf', 'rate', `${bits}bit`, 'burst', String(s.bucketBytes), 'latency', `${TBF_LATENCY_MS}ms`],
    ['ip', 'link', 'set', 'dev', s.ifb, 'up'],
  ];
  for (const veth of s.veths) {
    out.push(['tc', 'qdisc', 'add', 'dev', veth, 'handle', 'ffff:', 'ingress']);
    out.push(['tc', 'filter', 'add', 'dev', veth, 'parent', 'ffff:', 'protocol', 'all', 'prio', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', s.ifb]);
  }
  return out;
}

/** checkShapeable fails create for a bucket a full-size packet cannot pass (tbf would drop every such packet). */
export function checkShapeable(b: Bandwidth, text: string, mtus: readonly number[]): void {
  const frame = Math.max(1500, ...mtus) + 14;
  if (b.bucketBytes < frame) {
    throw new MsbError('unsupported', `egress: egressBandwidth ${text}: a bucket of ${b.bucketBytes} bytes cannot pass a ${frame}-byte frame (the network's MTU); give SIZE at least ${frame} bytes and a shorter DURATION for a low rate`);
  }
}
