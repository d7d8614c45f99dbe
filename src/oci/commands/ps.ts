import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { backendLogArgs, type GlobalOptions } from '../global-options.js';
import { containerPaths } from '../../base/paths.js';
import { readRecord } from '../../base/record.js';

function backend(g: GlobalOptions, id: string, args: string[]): string {
  const launcher = join(containerPaths(g.root, id).dir, 'launcher.sh');
  const out = spawnSync('/bin/sh', ['-c', '[ -r "$1" ] || exit 127; . "$1" && shift 2 && msb_exec "$@"', 'msb-ps', launcher, id, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status === 127) throw new MsbError('not-found', `container ${id} does not exist`);
  if (out.status !== 0) throw new MsbError('backend', `${args.at(-2) ?? 'ps'} failed (exit ${out.status})`);
  return out.stdout;
}

/**
 * ps lists a container's processes. Table output is the backend's own (for gVisor: the
 * processes inside the sandbox). `--format json` is what containerd asks for (`docker top`): a
 * JSON array of HOST pids, which Docker then looks up in the host's process table. Processes
 * inside a gVisor sandbox have no host pids — runsc's sandbox pids would make Docker show
 * unrelated host processes — so msb reports the sandbox's own host process, the container's pid.
 */
export function ps(g: GlobalOptions, id: string, psArgs: string[], opts: { format?: string }): void {
  // krun: the VMM's processes (tini, msb) are real host processes in the container's cgroup, and
  // runc lists them; the guest's processes have no host pids at all.
  if (opts.format !== 'json') {
    process.stdout.write(backend(g, id, [...backendLogArgs(g), 'ps', id, ...psArgs]));
    return;
  }
  if (readRecord(containerPaths(g.root, id), id).backend === 'krun') {
    process.stdout.write(backend(g, id, [...backendLogArgs(g), 'ps', '--format', 'json', id]));
    return;
  }
  const state = JSON.parse(backend(g, id, [...backendLogArgs(g), 'state', id])) as { pid?: number };
  process.stdout.write(`${JSON.stringify(state.pid ? [state.pid] : [])}\n`);
}
