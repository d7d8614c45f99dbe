import { spawnSync } from 'node:child_process';
import type { Cleanup } from './cleanup.js';
import { summarize, type Summary } from './stats.js';
import { CommandFailed, describeCommand, timedRun } from './timed-spawn.js';

/** CheckpointWorkload is one container checkpointed and restored (docs/checkpoint.md, "Figures"). */
interface CheckpointWorkload {
  name: string;
  /** What the container holds when it is checkpointed. */
  state: string;
  checkpointMs: Summary;
  restoreMs: Summary;
}

/** CheckpointRestoreResult is `docker checkpoint create` and `docker start --checkpoint` under msb, next to a cold `docker run`. */
export interface CheckpointRestoreResult {
  rounds: number;
  /** `docker start --checkpoint` attempts that failed with moby/moby#42900 and were repeated (not timed). */
  retries: number;
  coldRunMs: Summary;
  workloads: CheckpointWorkload[];
  skipped: string[];
}

const REDIS_KEYS = 100_000;

function docker(args: readonly string[], timeoutMs = 120_000): number {
  const r = timedRun('docker', args, { timeoutMs });
  if (r.status !== 0) throw new CommandFailed(describeCommand('docker', args), r.status, r.output);
  return r.ms;
}

/** MOBY_42900 is Docker's (before 26) occasional failure to upload a checkpoint to containerd; the same command then succeeds. */
const MOBY_42900 = /failed to upload checkpoint to containerd: commit failed: content sha256:\w+: already exists/;

/**
 * restoreTimed is `docker start --checkpoint`, repeated (up to 5 more times, 1 s apart) on
 * moby/moby#42900 only; the successful attempt is the one timed, and `retried` counts the others.
 */
function restoreTimed(args: readonly string[], retried: () => void): number {
  for (let attempt = 1; ; attempt++) {
    const r = timedRun('docker', args, { timeoutMs: 120_000 });
    if (r.status === 0) return r.ms;
    if (attempt >= 6 || !MOBY_42900.test(r.output)) throw new CommandFailed(describeCommand('docker', args), r.status, r.output);
    retried();
    sleepMs(1000);
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitFor(args: readonly string[], want: string, timeoutMs = 30_000): void {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0 && r.stdout.trim() === want) return;
    if (Date.now() > end)
      throw new Error(`docker ${args.join(' ')} did not print ${want} within ${timeoutMs / 1000} s (last: ${r.stdout?.trim()} ${r.stderr?.trim()})`);
    sleepMs(100);
  }
}

/**
 * timeCheckpoints checkpoints a running container (docker checkpoint create: the sandbox stops)
 * and restores it (docker start --checkpoint), `rounds` times, each round with a new checkpoint.
 */
async function timeCheckpoints(cleanup: Cleanup, name: string, rounds: number): Promise<{ checkpoint: number[]; restore: number[]; retries: number }> {
  const out = { checkpoint: [] as number[], restore: [] as number[], retries: 0 };
  for (let i = 0; i < rounds; i++) {
    await cleanup.checkpoint();
    out.checkpoint.push(docker(['checkpoint', 'create', name, `b${i}`]));
    waitFor(['inspect', '--format', '{{.State.Status}}', name], 'exited');
    out.restore.push(restoreTimed(['start', '--checkpoint', `b${i}`, name], () => out.retries++));
    docker(['checkpoint', 'rm', name, `b${i}`]);
  }
  return out;
}

/**
 * measureCheckpointRestore times checkpoint and restore of an idle busybox and of redis holding
 * 100,000 keys (when local/redis exists), under the runtime name msb, next to a cold
 * `docker run --rm … true`. Needs dockerd's experimental features.
 */
export async function measureCheckpointRestore(
  cleanup: Cleanup,
  opts: { image: string; redisImage?: string; rounds: number },
  progress: (msg: string) => void,
): Promise<CheckpointRestoreResult> {
  const skipped: string[] = [];
  const cold: number[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    await cleanup.checkpoint();
    cold.push(docker(['run', '--rm', '--runtime=msb', '--network=none', opts.image, 'true']));
  }
  const workloads: CheckpointWorkload[] = [];
  let retries = 0;
  const run = async (what: string, state: string, image: string, cmd: string[], prepare: (name: string) => void): Promise<void> => {
    const name = `msb-bench-cp-${what}-${process.pid}`;
    cleanup.push(`docker rm -f ${name}`, () => void spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' }));
    docker(['run', '-d', '--runtime=msb', '--network=none', '--name', name, image, ...cmd]);
    prepare(name);
    const t = await timeCheckpoints(cleanup, name, opts.rounds);
    retries += t.retries;
    spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    workloads.push({ name: what, state, checkpointMs: summarize(t.checkpoint), restoreMs: summarize(t.restore) });
    progress(
      `checkpoint/restore ${what}: checkpoint median ${summarize(t.checkpoint).median.toFixed(0)} ms, restore median ${summarize(t.restore).median.toFixed(0)} ms`,
    );
  };
  await run('busybox', 'idle (sleep)', opts.image, ['sleep', '3600'], () => undefined);
  const redisImage = opts.redisImage ?? 'local/redis';
  if (spawnSync('docker', ['image', 'inspect', redisImage], { stdio: 'ignore' }).status === 0) {
    await run(
      'redis',
      `${REDIS_KEYS} keys (DEBUG POPULATE)`,
      redisImage,
      ['redis-server', '--protected-mode', 'no', '--enable-debug-command', 'yes'],
      (name) => {
        waitFor(['exec', name, 'redis-cli', 'ping'], 'PONG');
        docker(['exec', name, 'redis-cli', 'debug', 'populate', String(REDIS_KEYS)]);
        waitFor(['exec', name, 'redis-cli', 'dbsize'], String(REDIS_KEYS));
      },
    );
  } else {
    skipped.push(`redis: image ${redisImage} is missing (scripts/build-images.sh redis)`);
  }
  return { rounds: opts.rounds, retries, coldRunMs: summarize(cold), workloads, skipped };
}

/** formatCheckpointRestore is the report's table of the figures. */
export function formatCheckpointRestore(r: CheckpointRestoreResult): string {
  const lines = [`checkpoint/restore under msb (median of ${r.rounds}; cold docker run --rm … true: ${r.coldRunMs.median.toFixed(0)} ms)`];
  for (const w of r.workloads)
    lines.push(
      `  ${w.name.padEnd(8)} ${w.state.padEnd(32)} checkpoint ${w.checkpointMs.median.toFixed(0).padStart(6)} ms   restore ${w.restoreMs.median.toFixed(0).padStart(6)} ms`,
    );
  for (const s of r.skipped) lines.push(`  skipped: ${s}`);
  if (r.retries > 0) lines.push(`  docker start --checkpoint repeated ${r.retries}× after moby/moby#42900 (the failed attempts are not timed)`);
  return `${lines.join('\n')}\n`;
}
