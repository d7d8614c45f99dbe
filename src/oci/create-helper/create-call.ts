import { parseRuntimeArgv } from '../argv.js';
import { beginMaterialize, planCreate } from '../commands/create.js';
import { defaultGlobalOptions, type GlobalOptions } from '../global-options.js';
import { createArguments, failureLine } from '../main.js';
import { asMsbError } from '../../base/system-error.js';
import { runcCreateStatus, type RuncCreateCommand, type RuncCreateOutcome } from '../../isolation/runc-create.js';

/** CallEnd is how a create ends for the client: what to print on stderr and the exit status. */
export interface CallEnd {
  status: number;
  stderr: string;
}

/**
 * CallStep is the helper's answer to a create: decline (the client runs the Node path, nothing
 * was done), end it, or have the client run the backend's create and report back to `resume`.
 */
export type CallStep =
  | { kind: 'decline'; reason: string; stopHelper?: boolean }
  | { kind: 'end'; end: CallEnd; id?: string }
  | { kind: 'run'; id: string; command: RuncCreateCommand; resume(outcome: RuncCreateOutcome): CallEnd };

function failed(g: GlobalOptions, err: unknown): CallEnd {
  return { status: 1, stderr: `${failureLine(g, asMsbError(err))}\n` };
}

/**
 * beginCreateCall does what `msb-runtime create` does up to the backend's create, with the same
 * code, checks and errors (src/oci/commands/create.ts): plan, then write the record, then the
 * backend's own preparation (beginCreate). It declines before writing anything when the command
 * is not a create, the policy turns the helper off, or the backend's create is more than one
 * command (a pod's sub-container, a microVM): the client then runs the Node path, exactly as
 * before the helper existed. Runs with the caller's environment and working directory in place.
 */
export function beginCreateCall(argv: readonly string[]): CallStep {
  let g = defaultGlobalOptions();
  try {
    const parsed = parseRuntimeArgv(argv);
    g = parsed.global;
    if (parsed.command !== 'create') return { kind: 'decline', reason: `not a create (${parsed.command})` };
    const { id, options } = createArguments(parsed);
    const plan = planCreate(g, id, options);
    if (!plan.policy.createHelper.enabled) return { kind: 'decline', reason: `createHelper.enabled is false in ${plan.policy.source}`, stopHelper: true };
    const begin = plan.prepared.beginCreate;
    if (!begin) return { kind: 'decline', reason: `the ${plan.choice.name} backend's create for this container is not one command` };
    const m = beginMaterialize(g, id, options, plan, 'create');
    let command: RuncCreateCommand | undefined;
    try {
      command = begin(m.request);
    } catch (err) {
      m.fail(err);
    }
    const cmd = command as RuncCreateCommand;
    return {
      kind: 'run',
      id,
      command: cmd,
      resume(outcome: RuncCreateOutcome): CallEnd {
        try {
          let status = 0;
          try {
            status = runcCreateStatus(cmd, outcome);
          } catch (err) {
            m.fail(err);
          }
          m.finish(status);
          return { status: 0, stderr: '' };
        } catch (err) {
          return failed(g, err);
        }
      },
    };
  } catch (err) {
    return { kind: 'end', end: failed(g, err) };
  }
}
