import { spawnSync } from 'node:child_process';
import { MsbError } from '../../base/errors.js';
import { describeSystemError } from '../../base/system-error.js';
import type { RuntimeContext } from '../backend.js';

/**
 * runThroughLauncher runs runsc with the container's own flags, exactly as its launcher does
 * (msb_exec_runsc: under the rmem_default workaround when create decided it applies), with
 * msb's stdio: a restored container inherits Docker's FIFOs as a created one does.
 */
export function runThroughLauncher(launcher: string, rt: RuntimeContext, args: readonly string[]): number {
  const r = spawnSync('/bin/sh', ['-c', '. "$0" && msb_exec_runsc "$@"', launcher, ...rt.logArgs, ...args], { stdio: ['inherit', 'inherit', 'inherit'] });
  if (r.error) throw new MsbError('backend', `gvisor: cannot run runsc through ${launcher}: ${describeSystemError(r.error)}`, { cause: r.error });
  return r.status ?? 128 + 9;
}
