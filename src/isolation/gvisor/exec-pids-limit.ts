import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/record.js';
import type { Spec } from '../../base/spec.js';
import type { ExecRequest } from '../backend.js';

type Process = NonNullable<Spec['process']>;

/** EXEC_LIMIT_SHELL is the shell inside the container that gives a `docker exec` process its RLIMIT_NPROC. */
export const EXEC_LIMIT_SHELL = '/bin/sh';

/**
 * limitExecProcess gives a process Docker asks to exec the container's RLIMIT_NPROC. runsc exec
 * ignores process.rlimits (runsc/cmd/exec.go argsFromProcess builds no Limits) and the sentry
 * gives an exec'd task a fresh limit set (pkg/sentry/control/proc.go execAsync), so without this
 * a `docker exec` shell could fork past `--pids-limit`. The container's own sh lowers the limit and
 * execs the command, same pid, same PATH lookup: `ulimit -u` (busybox ash, bash), else `-p` (dash).
 * A shell that cannot lower it ends the exec with status 126 and says why. Pure.
 */
export function limitExecProcess(p: Process, limit: number): Process {
  const args = p.args ?? [];
  if (args.length === 0) throw new MsbError('invalid-argument', 'exec: the process has no args');
  const n = String(Math.trunc(limit));
  const script = `ulimit -u ${n} 2>/dev/null || ulimit -p ${n} 2>/dev/null || { echo "msb: cannot set RLIMIT_NPROC ${n} (--pids-limit) for docker exec" >&2; exit 126; }; exec "$@"`;
  return { ...p, args: [EXEC_LIMIT_SHELL, '-c', script, 'msb-exec', ...args] };
}

/** GvisorExecContainer is what exec needs from a gVisor container's record. */
export interface GvisorExecContainer {
  id: string;
  dir: string;
  bundle: string;
  runsc: string;
  runscArgs: string[];
  pidsLimit: number;
}

/** hasShell says whether the container's root filesystem (as the host sees it) holds /bin/sh. */
function hasShell(bundle: string): boolean {
  try {
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
    const root = spec.root?.path ?? 'rootfs';
    lstatSync(join(isAbsolute(root) ? root : join(bundle, root), EXEC_LIMIT_SHELL)); // a symlink (busybox) counts: it resolves inside
    return true;
  } catch {
    return false;
  }
}

/**
 * gvisorExec runs `runsc exec` with the process wrapped by limitExecProcess, with the caller's
 * stdio; returns runsc's exit status. Routed here only for containers with a pids limit; containerd
 * passes the process as a file (exec --process F --detach --pid-file P).
 */
export function gvisorExec(c: GvisorExecContainer, logArgs: string[], opts: Pick<ExecRequest, 'process' | 'detach' | 'pidFile' | 'consoleSocket'>): number {
  if (!opts.process)
    throw new MsbError(
      'invalid-argument',
      'exec: a container with --pids-limit under gVisor takes its process as --process process.json (as containerd passes it)',
    );
  let p: Process;
  try {
    p = JSON.parse(readFileSync(opts.process, 'utf8')) as Process;
  } catch (err) {
    throw new MsbError('invalid-argument', `exec: cannot read --process ${opts.process}: ${(err as Error).message}`, { cause: err });
  }
  if (!hasShell(c.bundle)) {
    throw new MsbError(
      'unsupported',
      `gvisor: docker exec in a container with --pids-limit needs ${EXEC_LIMIT_SHELL} in the image to give the process RLIMIT_NPROC ${c.pidsLimit} (runsc exec cannot); without it the process could fork past the limit`,
    );
  }
  const file = join(c.dir, `exec-${process.pid}-${Date.now()}.json`);
  writeFileAtomic(file, JSON.stringify(limitExecProcess(p, c.pidsLimit)));
  try {
    const args = [...c.runscArgs, ...logArgs, 'exec', '--process', file];
    if (opts.detach) args.push('--detach');
    if (opts.pidFile) args.push('--pid-file', opts.pidFile);
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    args.push(c.id);
    const r = spawnSync(c.runsc, args, { stdio: 'inherit' });
    if (r.error) throw new MsbError('backend', `gvisor: cannot run ${c.runsc}: ${r.error.message}`, { cause: r.error });
    return r.status ?? 128 + 9;
  } finally {
    rmSync(file, { force: true });
  }
}
