import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { readMsbRunscFlags, type MsbRunscFlags } from './msb-flags.js';
import { RAW_ROOT_SUBDIR } from './raw-runsc.js';
import { ratio, summarize, type Summary } from './stats.js';
import { CommandFailed, describeCommand, timedRun } from './timed-spawn.js';

/** RUNTIME_COMMANDS are the runc commands timed in part 2, in lifecycle order. */
export const RUNTIME_COMMANDS = ['create', 'start', 'state', 'kill', 'delete'] as const;

/** RuntimeCommand is one of RUNTIME_COMMANDS. */
type RuntimeCommand = (typeof RUNTIME_COMMANDS)[number];

type Which = 'msb' | 'raw';

/** RuntimeUnderTest is a runc-compatible executable with its own --root, --log and bundle. */
export interface RuntimeUnderTest {
  name: Which;
  path: string;
  root: string;
  log: string;
  bundle: string;
}

/** CommandFigures compare one command under msb and raw runsc. */
interface CommandFigures {
  msb: Summary;
  raw: Summary;
  /** overheadMs is median(msb) − median(raw). */
  overheadMs: number;
  /** ratio is median(msb) / median(raw). */
  ratio: number;
}

/** RuntimeCommandsResult is part 2. */
export interface RuntimeCommandsResult {
  rounds: number;
  commands: Record<RuntimeCommand, CommandFigures>;
  samplesMs: Record<Which, Record<RuntimeCommand, number[]>>;
  leftovers: string[];
}

function globals(rt: RuntimeUnderTest): string[] {
  return ['--root', rt.root, '--log', rt.log, '--log-format', 'json'];
}

function lastLogError(rt: RuntimeUnderTest): string {
  if (!existsSync(rt.log)) return '';
  const lines = readFileSync(rt.log, 'utf8').trim().split('\n').reverse();
  const line = lines.find((l) => l.includes('"level":"error"'));
  return line ? `\nlast error line in ${rt.log}: ${line}` : '';
}

/** timedCommand runs one runtime command and returns its wall time and stdout; failures throw. */
function timedCommand(rt: RuntimeUnderTest, args: string[], outputFile?: string): { ms: number; stdout: string } {
  const argv = [...globals(rt), ...args];
  const r = timedRun(rt.path, argv, { outputFile, timeoutMs: 60_000 });
  if (r.status !== 0) throw new CommandFailed(`${rt.name}: ${describeCommand(rt.path, argv)}`, r.status, r.output + lastLogError(rt));
  return r;
}

function statusOf(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** waitStopped polls `state` (untimed) until SIGKILL has taken the container down. */
function waitStopped(rt: RuntimeUnderTest, id: string): void {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = timedRun(rt.path, [...globals(rt), 'state', id], { timeoutMs: 30_000 });
    last = r.output.trim();
    if (r.status === 0 && statusOf(r.stdout) === 'stopped') return;
    sleepMs(20);
  }
  throw new Error(`${rt.name}: container ${id} did not stop within 15 s of kill ${id} 9; last state: ${last}`);
}

/**
 * lifecycle runs create → start → state → kill 9 → (wait, untimed) → delete for one container,
 * as containerd-shim-runc-v2 calls them, and returns each command's wall time. The container is
 * on the cleanup stack from before create until delete has succeeded.
 */
async function lifecycle(cleanup: Cleanup, rt: RuntimeUnderTest, id: string, afterCreate?: () => void): Promise<Record<RuntimeCommand, number>> {
  const forget = cleanup.push(`${rt.name} delete --force ${id}`, () => {
    spawnSync(rt.path, [...globals(rt), 'delete', '--force', id], { stdio: 'ignore', timeout: 30_000 });
  });
  const createOut = join(rt.bundle, `${id}.create.out`);
  const create = timedCommand(rt, ['create', '--bundle', rt.bundle, '--pid-file', join(rt.bundle, `${id}.pid`), id], createOut).ms;
  afterCreate?.();
  await cleanup.checkpoint();
  const start = timedCommand(rt, ['start', id]).ms;
  await cleanup.checkpoint();
  const state = timedCommand(rt, ['state', id]);
  if (statusOf(state.stdout) !== 'running') throw new Error(`${rt.name}: state ${id} after start printed ${state.stdout.trim()}, expected status "running"`);
  await cleanup.checkpoint();
  const kill = timedCommand(rt, ['kill', id, '9']).ms;
  waitStopped(rt, id);
  await cleanup.checkpoint();
  const del = timedCommand(rt, ['delete', id]).ms;
  forget();
  return { create, start, state: state.ms, kill, delete: del };
}

function checkMsbUsesSameFlags(rt: RuntimeUnderTest, id: string, expected: MsbRunscFlags): void {
  const got = readMsbRunscFlags(join(rt.root, 'msb', 'containers', id), id);
  const same =
    got.runsc === expected.runsc &&
    JSON.stringify(got.runscFlags) === JSON.stringify(expected.runscFlags) &&
    got.rmemWorkaround.apply === expected.rmemWorkaround.apply;
  if (!same) {
    throw new Error(`msb runs runsc differently with --root ${rt.root} than under Docker: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
  }
}

/**
 * findLeftovers lists whatever either runtime still holds after every container was deleted:
 * msb records, runsc state files, processes and mounts naming the benchmark's ids, and a bundle
 * config.json that msb did not give back.
 */
function findLeftovers(msb: RuntimeUnderTest, raw: RuntimeUnderTest, idPrefix: string, originalMsbConfig: string): string[] {
  const found: string[] = [];
  const list = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir)) found.push(`file: ${join(dir, e)}`);
  };
  list(join(msb.root, 'msb', 'containers'));
  list(join(msb.root, 'msb', 'runsc'));
  list(join(raw.root, RAW_ROOT_SUBDIR));
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of ps.split('\n')) if (line.includes(idPrefix) && !line.includes('ps -eo')) found.push(`process: ${line.trim()}`);
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(idPrefix)) found.push(`mount: ${line}`);
  if (readFileSync(join(msb.bundle, 'config.json'), 'utf8') !== originalMsbConfig)
    found.push(`file: ${msb.bundle}/config.json differs from the config.json written before create`);
  return found;
}

/**
 * measureRuntimeCommands runs one unmeasured warm-up round (msb's first create in a fresh --root
 * probes runsc's version and the kernel; Docker's root has those cached) and then `rounds`
 * interleaved lifecycles, alternating which runtime goes first.
 */
export async function measureRuntimeCommands(
  cleanup: Cleanup,
  opts: { msb: RuntimeUnderTest; raw: RuntimeUnderTest; rounds: number; idPrefix: string; flags: MsbRunscFlags },
  progress: (msg: string) => void,
): Promise<RuntimeCommandsResult> {
  const { msb, raw, rounds, idPrefix } = opts;
  const originalMsbConfig = readFileSync(join(msb.bundle, 'config.json'), 'utf8');
  const samples = { msb: emptySamples(), raw: emptySamples() };
  for (let round = 0; round <= rounds; round++) {
    const order = round % 2 === 0 ? [msb, raw] : [raw, msb];
    const times: Partial<Record<Which, Record<RuntimeCommand, number>>> = {};
    for (const rt of order) {
      await cleanup.checkpoint();
      const id = `${idPrefix}-${rt.name}-${round}`;
      // The warm-up msb container doubles as the check that msb runs runsc here as under Docker.
      const check = round === 0 && rt === msb ? () => checkMsbUsesSameFlags(rt, id, opts.flags) : undefined;
      times[rt.name] = await lifecycle(cleanup, rt, id, check);
    }
    if (round === 0) {
      progress('runtime commands: warm-up round done (not counted)');
      continue;
    }
    for (const which of ['msb', 'raw'] as const) for (const c of RUNTIME_COMMANDS) samples[which][c].push((times[which] as Record<RuntimeCommand, number>)[c]);
    progress(
      `runtime commands round ${round}/${rounds}: ${RUNTIME_COMMANDS.map((c) => `${c} ${times.msb?.[c].toFixed(0)}/${times.raw?.[c].toFixed(0)}`).join(', ')} ms (msb/raw)`,
    );
  }
  const commands = Object.fromEntries(
    RUNTIME_COMMANDS.map((c) => {
      const m = summarize(samples.msb[c]);
      const r = summarize(samples.raw[c]);
      return [c, { msb: m, raw: r, overheadMs: m.median - r.median, ratio: ratio(m.median, r.median) }];
    }),
  ) as Record<RuntimeCommand, CommandFigures>;
  return { rounds, commands, samplesMs: samples, leftovers: findLeftovers(msb, raw, idPrefix, originalMsbConfig) };
}

function emptySamples(): Record<RuntimeCommand, number[]> {
  return { create: [], start: [], state: [], kill: [], delete: [] };
}
