import type { Cleanup } from './cleanup.js';
import { summarize, ratio, type Summary } from './stats.js';
import { CommandFailed, describeCommand, timedRun } from './timed-spawn.js';

/** DockerRunResult is part 1: `docker run --rm` wall times per runtime. */
export interface DockerRunResult {
  command: string[];
  pairs: number;
  samplesMs: { msb: number[]; raw: number[] };
  msb: Summary;
  raw: Summary;
  /** ratioOfMedians is median(msb) / median(raw). */
  ratioOfMedians: number;
  target: { maxRatio: number; met: boolean };
}

/** TARGET_RATIO is the goal for msb's `docker run` time relative to raw runsc (issue 16: 1.05, with the create helper). */
const TARGET_RATIO = 1.05;

/** dockerRunArgs is the measured command for one runtime. */
function dockerRunArgs(runtime: string, image: string): string[] {
  return ['run', '--rm', '--network=none', `--runtime=${runtime}`, image, 'true'];
}

function timedDockerRun(runtime: string, image: string): number {
  const args = dockerRunArgs(runtime, image);
  const r = timedRun('docker', args, { timeoutMs: 120_000 });
  if (r.status !== 0) throw new CommandFailed(describeCommand('docker', args), r.status, r.output);
  return r.ms;
}

/**
 * measureDockerRun times `docker run --rm … true` under msb and under the raw runtime in
 * interleaved pairs, alternating which goes first (msb,raw / raw,msb / …) so drift in the
 * machine's load affects both equally. One unmeasured run of each warms the image and caches.
 */
export async function measureDockerRun(
  cleanup: Cleanup,
  opts: { image: string; pairs: number; msbRuntime: string; rawRuntime: string },
  progress: (msg: string) => void,
): Promise<DockerRunResult> {
  const { image, pairs, msbRuntime, rawRuntime } = opts;
  const samples = { msb: [] as number[], raw: [] as number[] };
  for (const rt of [msbRuntime, rawRuntime]) {
    await cleanup.checkpoint();
    timedDockerRun(rt, image);
  }
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? (['msb', 'raw'] as const) : (['raw', 'msb'] as const);
    for (const which of order) {
      await cleanup.checkpoint();
      samples[which].push(timedDockerRun(which === 'msb' ? msbRuntime : rawRuntime, image));
    }
    progress(`docker run pair ${i + 1}/${pairs}: msb ${(samples.msb.at(-1) as number).toFixed(0)} ms, raw ${(samples.raw.at(-1) as number).toFixed(0)} ms`);
  }
  const msb = summarize(samples.msb);
  const raw = summarize(samples.raw);
  const r = ratio(msb.median, raw.median);
  return {
    command: ['docker', ...dockerRunArgs('<runtime>', image)],
    pairs,
    samplesMs: samples,
    msb,
    raw,
    ratioOfMedians: r,
    target: { maxRatio: TARGET_RATIO, met: r <= TARGET_RATIO },
  };
}
