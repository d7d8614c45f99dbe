import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { MsbError } from '../base/errors.js';
import { describeSystemError, withSystemErrors } from '../base/system-error.js';
import type { CreateRequest, RuntimeContext } from './backend.js';

/** RuncCreate is how one backend calls its runc-compatible binary (runsc, runc) for create. */
export interface RuncCreate {
  backend: string;
  binary: string;
  /** The binary's global flags (its own --root first), before msb's --log flags. */
  globalArgs: readonly string[];
  /** The binary's state root, made on first use. */
  stateRoot: string;
  /** How long create may run before it is killed (SIGKILL) and reported; unbounded when absent. */
  timeoutMs?: number;
  /** Where the operator sets the timeout (and what else may explain one), for the error. */
  timeoutHint?: string;
}

/** RuncCreateCommand is one backend create, ready to run with Docker's stdio. */
export interface RuncCreateCommand {
  create: RuncCreate;
  /** The binary's whole argument list (argv[1…]). */
  args: string[];
}

/** RuncCreateOutcome is how a RuncCreateCommand ended, from whoever ran it. */
export interface RuncCreateOutcome {
  /** Exit status, or 128 + signal number. */
  status: number;
  /** The timeout passed and the binary was killed. */
  timedOut: boolean;
  /** Why the binary could not be started at all. */
  spawnError?: Error;
}

/**
 * runcCreateCommand makes the backend's state root and the command line `<binary> <globals>
 * create --bundle … [--pid-file] [--console-socket] <id>`.
 */
export function runcCreateCommand(c: RuncCreate, rt: RuntimeContext, req: CreateRequest): RuncCreateCommand {
  withSystemErrors(`${c.backend}: cannot create the state directory ${c.stateRoot}`, () => mkdirSync(c.stateRoot, { recursive: true, mode: 0o700 }));
  const args = [...c.globalArgs, ...rt.logArgs, 'create', '--bundle', req.bundle];
  if (req.pidFile) args.push('--pid-file', req.pidFile);
  if (req.consoleSocket) args.push('--console-socket', req.consoleSocket);
  args.push(req.id);
  return { create: c, args };
}

/** runcCreateStatus is the exit status of a finished create; a timeout or a binary that could not start is an MsbError. */
export function runcCreateStatus(cmd: RuncCreateCommand, outcome: RuncCreateOutcome): number {
  const c = cmd.create;
  if (outcome.timedOut) {
    const hint = c.timeoutHint ? ` (${c.timeoutHint})` : '';
    throw new MsbError('backend', `${c.backend}: ${c.binary} create did not finish within ${Math.round((c.timeoutMs ?? 0) / 1000)} s and was stopped${hint}`);
  }
  if (outcome.spawnError)
    throw new MsbError('backend', `${c.backend}: cannot run ${c.binary}: ${describeSystemError(outcome.spawnError)}`, { cause: outcome.spawnError });
  return outcome.status;
}

/**
 * runRuncCreateCommand runs the command with msb's own stdio (the container inherits exactly
 * Docker's FIFOs or console, never pipes msb would have to relay) and returns its exit status.
 */
export function runRuncCreateCommand(cmd: RuncCreateCommand): number {
  const c = cmd.create;
  const result = spawnSync(c.binary, cmd.args, {
    stdio: ['inherit', 'inherit', 'inherit'],
    ...(c.timeoutMs ? { timeout: c.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  });
  const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return runcCreateStatus(cmd, { status: result.status ?? 128 + 9, timedOut, ...(result.error && !timedOut ? { spawnError: result.error } : {}) });
}

/** runRuncCreate is runcCreateCommand and runRuncCreateCommand in one. */
export function runRuncCreate(c: RuncCreate, rt: RuntimeContext, req: CreateRequest): number {
  return runRuncCreateCommand(runcCreateCommand(c, rt, req));
}
