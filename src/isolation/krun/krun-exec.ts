import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/record.js';
import type { Spec } from '../../base/spec.js';
import type { ExecRequest } from '../backend.js';
import { VMM_ENV, VMM_MSB } from './krun-process.js';

type Process = NonNullable<Spec['process']>;

/** KrunContainer is what a krun container's record says about how to reach it (krun-backend.ts summary). */
export interface KrunContainer {
  id: string;
  dir: string;
  runc: string;
  runcArgs: string[];
  sandbox: string;
}

/**
 * krunExecProcess turns the process Docker asks to exec into the process runc execs in the VMM's
 * container: `msb exec <sandbox>` with the command, env, cwd, uid:gid and tty carried over, so the
 * command runs in the guest (crun's krun handler runs it on the host, crun #1098). Without a tty
 * it uses `--stream` (msb exec --help: stdin and stdout streamed both ways without a PTY), which
 * is what `docker exec -i` needs; msb's default non-tty exec collects the output until the command
 * ends. Capabilities, apparmor and the other fields stay for runc and apply to msb exec itself.
 */
export function krunExecProcess(p: Process, sandbox: string): Process {
  const args = p.args ?? [];
  if (args.length === 0) throw new MsbError('invalid-argument', 'exec: the process has no args');
  const user = p.user ?? {};
  const msb = [
    VMM_MSB,
    'exec',
    '--quiet',
    p.terminal === true ? '--tty' : '--stream',
    '--user',
    `${user.uid ?? 0}:${user.gid ?? 0}`,
    '--workdir',
    p.cwd ?? '/',
  ];
  for (const e of p.env ?? []) msb.push('--env', e);
  return { ...p, args: [...msb, sandbox, '--', ...args], env: [...VMM_ENV], cwd: '/', user: { uid: 0, gid: 0 } };
}

function processOf(opts: ExecRequest): Process {
  if (opts.process) {
    try {
      return JSON.parse(readFileSync(opts.process, 'utf8')) as Process;
    } catch (err) {
      throw new MsbError('invalid-argument', `exec: cannot read --process ${opts.process}: ${(err as Error).message}`, { cause: err });
    }
  }
  const [uid, gid] = (opts.user ?? '0:0').split(':').map(Number);
  return { args: opts.args, terminal: opts.tty, cwd: opts.cwd ?? '/', env: opts.env ? [opts.env] : [], user: { uid: uid ?? 0, gid: gid ?? uid ?? 0 } };
}

/** krunExec runs a process in the guest through `runc exec … msb exec`, with the caller's stdio; returns runc's exit status. */
export function krunExec(c: KrunContainer, logArgs: string[], opts: ExecRequest): number {
  const file = join(c.dir, `exec-${process.pid}-${Date.now()}.json`);
  writeFileAtomic(file, JSON.stringify(krunExecProcess(processOf(opts), c.sandbox)));
  try {
    const args = [...c.runcArgs, ...logArgs, 'exec', '--process', file];
    if (opts.detach) args.push('--detach');
    if (opts.pidFile) args.push('--pid-file', opts.pidFile);
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    args.push(c.id);
    const r = spawnSync(c.runc, args, { stdio: 'inherit' });
    if (r.error) throw new MsbError('backend', `krun: cannot run ${c.runc}: ${r.error.message}`, { cause: r.error });
    return r.status ?? 128 + 9;
  } finally {
    rmSync(file, { force: true });
  }
}
