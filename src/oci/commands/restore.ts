import { BACKENDS } from '../../isolation/backends.js';
import type { CheckpointFlagValues } from '../../isolation/checkpoint-flags.js';
import { MsbError } from '../../base/errors.js';
import { type GlobalOptions, logTargetOf } from '../global-options.js';
import { appendLogLine } from '../../base/log.js';
import { type CreateOptions, materialize, planCreate } from './create.js';

/**
 * restore creates and starts a container from a checkpoint image (runc restore; containerd runs
 * it at start in place of create and start). It goes through create's whole path — checks,
 * policy, backend selection, spec rewrites, record, launcher, DNS registration — so a restored
 * container is sandboxed and discoverable like a created one; only the backend's create is
 * replaced by its restore. Every check, the flag mapping included, runs before anything is written.
 */
export function restore(g: GlobalOptions, id: string, opts: CreateOptions, flags: CheckpointFlagValues, env: NodeJS.ProcessEnv = process.env): void {
  const plan = planCreate(g, id, opts, env, 'restore');
  const backend = BACKENDS[plan.choice.name];
  const c = backend?.checkpointing;
  const run = plan.prepared.restore?.bind(plan.prepared);
  if (!c?.supported || !run)
    throw new MsbError('unsupported', `${plan.choice.name}: restore is not supported: ${c && !c.supported ? c.why : 'the backend has no restore'}`);
  const mapped = c.mapFlags('restore', flags);
  if (mapped.noOps.length > 0)
    appendLogLine(logTargetOf(g), 'debug', `${plan.choice.name}: restore of ${id}: accepted as no-ops: ${mapped.noOps.join(', ')} (docs/checkpoint.md)`);
  materialize(g, id, opts, plan, 'restore', (req) => run(req, mapped.args));
}
