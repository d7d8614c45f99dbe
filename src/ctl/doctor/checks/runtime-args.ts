import { BACKENDS } from '../../../isolation/backends.js';
import type { Policy } from '../../../isolation/policy.js';
import { selectBackend } from '../../../isolation/select-backend.js';

/**
 * runtimeArgsProblem says why containers of a runtime name would fail create because of its
 * runtimeArgs, or undefined when they would not: an --isolation this build cannot run or the
 * policy does not allow (the runtime's own selectBackend, so the message is create's), or an
 * argument with whitespace, which Docker 20.10 writes unquoted into its wrapper script.
 */
export function runtimeArgsProblem(args: readonly string[], policy: Policy, available: readonly string[] = Object.keys(BACKENDS)): string | undefined {
  const spaced = args.find((a) => /\s/.test(a));
  if (spaced !== undefined) return `runtime argument ${JSON.stringify(spaced)} contains whitespace, which Docker 20.10 does not quote`;
  const isolation = args.map((a) => /^--isolation=(.*)$/.exec(a)?.[1]).find((v) => v !== undefined);
  if (isolation === undefined) return undefined;
  try {
    selectBackend(policy, isolation, undefined, available);
    return undefined;
  } catch (err) {
    return `create fails: ${(err as Error).message}`;
  }
}
