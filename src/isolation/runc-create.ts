import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { MsbError } from '../oci/errors.js';
import { backendLogArgs, type GlobalOptions } from '../oci/global-options.js';
import { describeSystemError, withSystemErrors } from '../oci/system-error.js';
import type { CreateRequest } from './backend.js';

/** RuncCreate is how one backend calls its runc-compatible binary (runsc, runc) for create. */
export interface RuncCreate {
  backend: string;
  binary: string;
  /** The binary's global flags (its own --root first), before msb's --log flags. */
  globalArgs: readonly string[];
  /** The binary's state root, made on first use. */
  stateRoot: string;
}

/**
 * runRuncCreate runs `<binary> <globals> create --bundle … [--pid-file] [--console-socket] <id>`
 * with msb's own stdio: the container inherits exactly Docker's FIFOs or console, never pipes
 * msb would have to relay. Returns the exit status.
 */
export function runRuncCreate(c: RuncCreate, g: GlobalOptions, req: CreateRequest): number {
  withSystemErrors(`${c.backend}: cannot create the state directory ${c.stateRoot}`, () => mkdirSync(c.stateRoot, { recursive: true, mode: 0o700 }));
  const args = [...c.globalArgs, ...backendLogArgs(g), 'create', '--bundle', req.bundle];
  if (req.pidFile) args.push('--pid-file', req.pidFile);
  if (req.consoleSocket) args.push('--console-socket', req.consoleSocket);
  args.push(req.id);
  const result = spawnSync(c.binary, args, { stdio: ['inherit', 'inherit', 'inherit'] });
  if (result.error) throw new MsbError('backend', `${c.backend}: cannot run ${c.binary}: ${describeSystemError(result.error)}`, { cause: result.error });
  return result.status ?? 128 + 9;
}
