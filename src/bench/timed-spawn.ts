import { spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** RunResult is one finished child process, with its wall time when it was timed. */
export interface RunResult {
  ms: number;
  status: number;
  /** stdout alone (empty when outputFile was used). */
  stdout: string;
  /** output is stdout followed by stderr, or the outputFile's content. */
  output: string;
}

/** TimedOptions shape one spawn. */
export interface TimedOptions {
  /**
   * outputFile collects stdout and stderr in a file instead of pipes. Needed for runtime
   * `create`: the container inherits create's stdio, and a pipe would stay open (and keep
   * spawnSync waiting) for as long as the container lives.
   */
  outputFile?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * timedRun runs a command synchronously and measures its wall time with process.hrtime around
 * the spawn: process creation, the command itself and reaping, as a caller like containerd sees it.
 */
export function timedRun(file: string, args: readonly string[], opts: TimedOptions = {}): RunResult {
  const { timeoutMs = 120_000, env = process.env } = opts;
  const fd = opts.outputFile === undefined ? undefined : openSync(opts.outputFile, 'w');
  const stdio: StdioOptions = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(file, args, { stdio, env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.error) throw new Error(`cannot run ${file}: ${r.error.message}`);
    const stdout = fd === undefined ? `${r.stdout ?? ''}` : '';
    const output = fd === undefined ? `${stdout}${r.stderr ?? ''}` : readFileSync(opts.outputFile as string, 'utf8');
    return { ms, status: r.status ?? 128 + 9, stdout, output };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** CommandFailed is a setup or measured command that exited non-zero. */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly status: number,
    readonly output: string,
  ) {
    super(`${command} exited ${status}${output.trim() ? `: ${output.trim()}` : ''}`);
    this.name = 'CommandFailed';
  }
}

/** describeCommand renders argv for error messages. */
export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** mustRun is timedRun that throws CommandFailed on a non-zero exit. */
export function mustRun(file: string, args: readonly string[], opts: TimedOptions = {}): RunResult {
  const r = timedRun(file, args, opts);
  if (r.status !== 0) throw new CommandFailed(describeCommand(file, args), r.status, r.output);
  return r;
}

/** stdoutOf runs a setup command and returns its trimmed stdout (stderr is reported on failure). */
export function stdoutOf(file: string, args: readonly string[], timeoutMs = 60_000): string {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run ${file}: ${r.error.message}`);
  if (r.status !== 0) throw new CommandFailed(describeCommand(file, args), r.status ?? -1, `${r.stderr}`);
  return r.stdout.trim();
}
