import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MsbError } from '../base/errors.js';
import { whichSystem } from '../base/which.js';
import { installTcCommands, type ShapingRecord } from './bandwidth.js';

/** TcRun runs one command (argv[0]: nsenter, ip or tc); tests pass a recorder. */
type TcRun = (argv: readonly string[]) => { ok: true; out: string } | { ok: false; error: string };

/** ShapingHost is the system boundary of shaping: nsenter with ip and tc, and /sys; tests pass fakes. */
export interface ShapingHost {
  run: TcRun;
  /** A host interface's MTU, or undefined when it does not exist. */
  mtu: (ifname: string) => number | undefined;
}

const TC_TIMEOUT_MS = 10_000;

/** findTc is the tc binary, or a host-unsupported error saying how to get it. */
export function findTc(): string {
  const path = whichSystem('tc');
  if (!path)
    throw new MsbError(
      'host-unsupported',
      'egress: tc not found (apt-get install iproute2); an egress profile with egressBandwidth cannot be enforced for gVisor without it',
    );
  return path;
}

/** realTcRun runs nsenter and Debian's ip and tc (iproute2). */
function realTcRun(): TcRun {
  const bins: Record<string, string | undefined> = {};
  return (argv) => {
    const [cmd = '', ...args] = argv;
    const bin = (bins[cmd] ??= whichSystem(cmd, ['/usr/sbin', '/sbin', '/usr/bin']));
    if (!bin) return { ok: false, error: `${cmd} not found` };
    const r = spawnSync(bin, args, { encoding: 'utf8', timeout: TC_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return { ok: false, error: r.error.message };
    if (r.status !== 0) return { ok: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n')[0] ?? `exit ${r.status}` };
    return { ok: true, out: r.stdout };
  };
}

/** realShapingHost is nsenter, ip, tc and /sys/class/net. */
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
  };
}

/** inNetns runs argv in the network namespace of pid (nsenter, as container-networks.ts reads it). */
function inNetns(pid: number, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/proc/${pid}/ns/net`, ...argv];
}

/**
 * installShaping shapes a container's egress (bandwidth.ts) in the network namespace of its
 * sandbox (pid): its ifb with the tbf, and the redirect on each of its interfaces. Any failure
 * throws: create fails, and the sandbox, its namespace and everything in it go.
 */
export function installShaping(s: ShapingRecord, pid: number, host: ShapingHost): void {
  for (const argv of installTcCommands(s)) {
    const r = host.run(inNetns(pid, argv));
    if (!r.ok) throw new MsbError('backend', `egress: cannot shape the container's egress (${argv.join(' ')} in its network namespace): ${r.error}`);
  }
}
