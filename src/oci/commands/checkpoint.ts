import { backendOf } from '../../isolation/recorded-backends.js';
import type { CheckpointFlagValues } from '../../isolation/checkpoint-flags.js';
import { MsbError } from '../../base/errors.js';
import { type GlobalOptions, logTargetOf, runtimeContextOf } from '../global-options.js';
import { appendLogLine } from '../../base/log.js';
import { containerPaths } from '../../base/paths.js';
import { readRecord } from '../../base/record.js';

/**
 * checkpoint saves a running container's state (runc checkpoint): the container's backend maps
 * runc's flags onto its own, refusing with the reason what it cannot do, and runs its
 * checkpoint. The launcher sends it here (shim/msb-runtime → msb_exec). Returns the exit status.
 */
export async function checkpoint(g: GlobalOptions, id: string, flags: CheckpointFlagValues): Promise<number> {
  const paths = containerPaths(g.root, id);
  const record = readRecord(paths, id);
  const c = backendOf(record).checkpointing;
  if (!c.supported) throw new MsbError('unsupported', `${record.backend}: checkpoint is not supported: ${c.why}`);
  const mapped = c.mapFlags('checkpoint', flags);
  if (mapped.noOps.length > 0)
    appendLogLine(logTargetOf(g), 'debug', `${record.backend}: checkpoint of ${id}: accepted as no-ops: ${mapped.noOps.join(', ')} (docs/checkpoint.md)`);
  return c.checkpoint({ id, record, launcher: paths.launcher, runtime: runtimeContextOf(g), args: mapped.args });
}
