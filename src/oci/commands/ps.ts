import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MsbError } from '../errors.js';
import { backendLogArgs, type GlobalOptions } from '../global-options.js';
import { containerPaths } from '../paths.js';

/**
 * ps lists a container's processes. containerd parses `ps --format json` as a JSON array of
 * pids (go-runc Ps); runsc prints process objects with sandbox pids, so msb reduces them to
 * pids. Table output is runsc's own.
 */
export function ps(g: GlobalOptions, id: string, psArgs: string[], opts: { format?: string }): void {
  const paths = containerPaths(g.root, id);
  const launcher = join(paths.dir, 'launcher.sh');
  const format = opts.format === 'json' ? 'json' : 'table';
  const out = spawnSync('/bin/sh', ['-c', '[ -r "$1" ] || exit 127; . "$1" && shift 2 && msb_exec "$@"', 'msb-ps', launcher, id, ...backendLogArgs(g), 'ps', '--format', format, id, ...psArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status === 127) throw new MsbError('not-found', `container ${id} does not exist`);
  if (out.status !== 0) throw new MsbError('backend', `ps failed (exit ${out.status})`);
  if (format !== 'json') {
    process.stdout.write(out.stdout);
    return;
  }
  const parsed = JSON.parse(out.stdout || '[]') as Array<number | { PID?: number; pid?: number }>;
  const pids = parsed.map((p) => (typeof p === 'number' ? p : (p.PID ?? p.pid ?? 0)));
  process.stdout.write(`${JSON.stringify(pids)}\n`);
}
