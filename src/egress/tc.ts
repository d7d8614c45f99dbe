import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { MsbError } from '../oci/errors.js';
import { which } from '../oci/which.js';
import { IFB_PREFIX, installTcCommands, type ShapingRecord } from './bandwidth.js';

/** TcRun runs one `ip` or `tc` call (argv[0] is the command); tests pass a recorder. */
export type TcRun = (argv: readonly string[]) => { ok: true; out: string } | { ok: false; error: string };

/** ShapingHost is the system boundary of shaping: ip, tc and /sys; tests pass fakes. */
export interface ShapingHost {
  run: TcRun;
  /** The interface's MTU, or undefined when it does not exist. */
  mtu: (ifname: string) => number | undefined;
  exists: (path: string) => boolean;
}

const TC_TIMEOUT_MS = 10_000;

/** findTc is the tc binary, or a host-unsupported error saying how to get it. */
export function findTc(): string {
  const path = which('tc') ?? ['/usr/sbin/tc', '/sbin/tc'].find((p) => which(p));
  if (!path) throw new MsbError('host-unsupported', 'egress: tc not found (apt-get install iproute2); an egress profile with egressBandwidth cannot be enforced for gVisor without it');
  return path;
}

/** realTcRun runs Debian's ip and tc (iproute2). */
export function realTcRun(): TcRun {
  const bins: Record<string, string | undefined> = {};
  return (argv) => {
    const [cmd = '', ...args] = argv;
    const bin = (bins[cmd] ??= cmd === 'tc' ? findTc() : (which(cmd) ?? [`/usr/sbin/${cmd}`, `/sbin/${cmd}`].find((p) => which(p))));
    if (!bin) return { ok: false, error: `${cmd} not found` };
    const r = spawnSync(bin, args, { encoding: 'utf8', timeout: TC_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return { ok: false, error: r.error.message };
    if (r.status !== 0) return { ok: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n')[0] ?? `exit ${r.status}` };
    return { ok: true, out: r.stdout };
  };
}

/** realShapingHost is ip, tc and /sys/class/net. */
export function realShapingHost(): ShapingHost {
  return {
    run: realTcRun(),
    mtu: (ifname) => {
      try {
        return Number(readFileSync(`/sys/class/net/${ifname}/mtu`, 'utf8').trim());
      } catch {
        return undefined;
      }
    },
    exists: existsSync,
  };
}

/** ifbAlias is an ifb's alias (the record directory msb wrote there), or undefined when it does not exist. */
function ifbAlias(host: ShapingHost, ifb: string): string | undefined {
  const r = host.run(['ip', '-j', 'link', 'show', 'dev', ifb]);
  if (!r.ok) return undefined;
  try {
    const [link] = JSON.parse(r.out) as { ifalias?: string }[];
    return link?.ifalias ?? '';
  } catch {
    return '';
  }
}

/**
 * installShaping shapes a container's egress (bandwidth.ts): its ifb with the tbf, and the
 * redirect on each host-side veth. An ifb of the same name left by an earlier create of the same
 * container (same record directory) is removed first. Any failure throws: create fails, and its
 * failure path removes what was made (removeShaping).
 */
export function installShaping(s: ShapingRecord, recordDir: string, host: ShapingHost): void {
  if (ifbAlias(host, s.ifb) === recordDir) host.run(['ip', 'link', 'del', 'dev', s.ifb]);
  for (const argv of installTcCommands(s, recordDir)) {
    const r = host.run(argv);
    if (!r.ok) throw new MsbError('backend', `egress: cannot shape the container's egress (${argv.join(' ')}): ${r.error}`);
  }
}

/**
 * removeShaping removes what installShaping made: the ingress qdisc of each recorded veth that
 * still exists and redirects to this container's ifb (a veth name reused by another container is
 * left alone), then the ifb (its tbf goes with it). Returns the first failure, or undefined.
 */
export function removeShaping(s: ShapingRecord, host: ShapingHost): string | undefined {
  let failed: string | undefined;
  for (const veth of s.veths) {
    if (host.mtu(veth) === undefined) continue;
    const f = host.run(['tc', '-j', 'filter', 'show', 'dev', veth, 'ingress']);
    if (!f.ok || !f.out.includes(`"${s.ifb}"`)) continue;
    const r = host.run(['tc', 'qdisc', 'del', 'dev', veth, 'handle', 'ffff:', 'ingress']);
    if (!r.ok) failed ??= `tc qdisc del dev ${veth} ingress: ${r.error}`;
  }
  if (ifbAlias(host, s.ifb) !== undefined) {
    const r = host.run(['ip', 'link', 'del', 'dev', s.ifb]);
    if (!r.ok) failed ??= `ip link del ${s.ifb}: ${r.error}`;
  }
  return failed;
}

/**
 * sweepShapers removes the ifbs of containers whose record directory is gone (a create killed
 * midway, its record removed): msb's ifbs carry the record directory as their alias. The veths'
 * redirects went with the veths, which die with the container's network namespace.
 */
export function sweepShapers(host: ShapingHost, debug: (m: string) => void): void {
  const r = host.run(['ip', '-j', 'link', 'show', 'type', 'ifb']);
  if (!r.ok) return;
  let links: { ifname?: string; ifalias?: string }[];
  try {
    links = JSON.parse(r.out) as { ifname?: string; ifalias?: string }[];
  } catch {
    return;
  }
  for (const l of links) {
    if (!l.ifname?.startsWith(IFB_PREFIX) || !l.ifalias?.startsWith('/') || host.exists(l.ifalias)) continue;
    const d = host.run(['ip', 'link', 'del', 'dev', l.ifname]);
    debug(`egress: removed ifb ${l.ifname} of ${l.ifalias}, which no longer exists${d.ok ? '' : ` (failed: ${d.error})`}`);
  }
}
