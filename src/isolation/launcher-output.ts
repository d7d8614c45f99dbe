import { spawnSync } from 'node:child_process';
import { MsbError } from '../base/errors.js';

/**
 * launcherOutput runs one command of a container's backend through its launcher (msb_exec: the
 * backend's own command line, as the launcher runs it for shim/msb-runtime) and returns its
 * stdout; stderr passes through. `command` is the backend's command (ps, state), named in the
 * error when it fails; `args` follow it. A launcher that is not there is a container msb does not
 * know.
 */
export function launcherOutput(launcher: string, id: string, logArgs: readonly string[], command: string, args: readonly string[]): string {
  const out = spawnSync(
    '/bin/sh',
    ['-c', '[ -r "$1" ] || exit 127; . "$1" && shift 2 && msb_exec "$@"', 'msb-ps', launcher, id, ...logArgs, command, ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (out.status === 127) throw new MsbError('not-found', `container ${id} does not exist`);
  if (out.status !== 0) throw new MsbError('backend', `${command} of container ${id} failed (exit ${out.status ?? out.signal})`);
  return out.stdout;
}
