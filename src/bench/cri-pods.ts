// Part 6 of npm run bench: Kubernetes pods through containerd's CRI, driven as kubelet drives it
// (src/cri), in a private containerd with the runc-shim handlers msb (this checkout) and runc.
// Timed, interleaved round by round (cells rotate), each cell's pods removed untimed after it:
//   msb-pod        RunPodSandbox + 5 × (CreateContainer + StartContainer) of one pod
//   msb-separate   5 × (RunPodSandbox + CreateContainer + StartContainer): 5 pods of one container
//   runc-pod, runc-separate   the same under runc, the reference
// runsc registered directly is no reference here: through the runc v2 shim its pause container's
// task exits at once (status 137) and StopPodSandbox then fails (measured 2026-12-02, see
// docs/benchmarks.md), and gVisor's own containerd-shim-runsc-v1 is not packaged in Debian.
// Then the processes of an idle msb pod are weighed for the RuntimeClass's overhead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import type { Cleanup } from './cleanup.js';
import { measurePodOverhead, type PodOverhead } from './pod-overhead.js';
import { ratio, summarize, type Summary } from './stats.js';
import { CriClient, type PodConfig } from '../cri/cri-client.js';
import { BUSYBOX_IMAGE, importLocalImages } from '../cri/local-images.js';
import { cniBinDir, mountsUnder, pidsMentioning, privateContainerdLayout, resetPrivateContainerd, startPrivateContainerd } from '../cri/private-containerd.js';

/** POD_CONTAINERS is how many app containers the measured pod holds (and how many separate pods it is compared with). */
const POD_CONTAINERS = 5;

export const POD_CELLS = ['msb-pod', 'msb-separate', 'runc-pod', 'runc-separate'] as const;
export type PodCell = (typeof POD_CELLS)[number];
type Handler = 'msb' | 'runc';

/** CriPodsResult is part 6 of the benchmark result. */
export interface CriPodsResult {
  containers: number;
  rounds: number;
  containerd: string;
  /** Wall time of each cell, one sample per round. */
  samplesMs: Record<PodCell, number[]>;
  summary: Record<PodCell, Summary>;
  /** Every RunPodSandbox of the separate-pod cells: the pod sandbox's start alone. */
  runPodSandboxMs: Record<Handler, number[]>;
  runPodSandbox: Record<Handler, Summary>;
  ratios: { podOverSeparate: { msb: number; runc: number }; msbOverRunc: { pod: number; separate: number; runPodSandbox: number } };
  /** runsc-sandbox processes counted right after each msb cell of the last round. */
  runscSandboxes: { msbPod: number; msbSeparate: number };
  overhead: PodOverhead[];
  leftovers: string[];
}

const SLEEP = ['sleep', '3600'];

/** podCellOrder rotates the cells from round to round, so none always runs first. */
export function podCellOrder(round: number): PodCell[] {
  const n = POD_CELLS.length;
  return POD_CELLS.map((_, i) => POD_CELLS[(i + round) % n] as PodCell);
}

/** criPodsSkipReason says why part 6 cannot run here, or undefined. */
export function criPodsSkipReason(): string | undefined {
  for (const tool of ['containerd', 'ctr', 'gcc', 'runc']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!cniBinDir()) return 'no CNI plugins (apt-get install containernetworking-plugins)';
  if (!existsSync('/bin/busybox')) return '/bin/busybox is missing (apt-get install busybox-static)';
  return undefined;
}

/** measureCriPods runs part 6 (see the top of this file). */
export async function measureCriPods(
  cleanup: Cleanup,
  opts: { rounds: number; overheadWindowMs?: number },
  progress: (msg: string) => void,
): Promise<CriPodsResult> {
  const layout = { ...privateContainerdLayout('/var/lib/msb-cri-bench', '/run/msb-cri-bench'), bridge: 'msbcrib0', subnet: '10.213.41.0/24' };
  const msbRoot = join(layout.runcRoot, 'msb', 'k8s.io');
  const msbRunscRoot = join(msbRoot, 'msb', 'runsc');
  resetPrivateContainerd(layout);
  cleanup.push(`stop the private containerd under ${layout.run} and remove it`, () => resetPrivateContainerd(layout));
  progress(`part 6: private containerd (${layout.run}) with the handlers msb and runc`);
  startPrivateContainerd(layout, join(repoRoot, 'shim', 'msb-runtime'));
  importLocalImages(layout, join(repoRoot, 'src/cri/pause.c'));
  const cri = new CriClient(layout.socket, join(repoRoot, 'src/cri'));
  cleanup.push('close the CRI client', () => cri.close());
  const containerd = (await cri.version()).runtimeVersion;

  const podConfig = (name: string): PodConfig => {
    const logDirectory = join(layout.run, 'logs', name);
    mkdirSync(logDirectory, { recursive: true });
    return { metadata: { name, uid: `uid-${name}`, namespace: 'msb-bench' }, hostname: name, logDirectory };
  };
  const runPodSandboxMs: Record<Handler, number[]> = { msb: [], runc: [] };
  /** startPod runs one pod with `containers` app containers and returns its id; RunPodSandbox's time goes to sandboxMs. */
  const startPod = async (handler: Handler, name: string, containers: number, sandboxMs?: number[]): Promise<string> => {
    const config = podConfig(name);
    const t0 = process.hrtime.bigint();
    const pod = await cri.runPodSandbox(config, handler);
    sandboxMs?.push(Number(process.hrtime.bigint() - t0) / 1e6);
    for (let c = 0; c < containers; c++) {
      const id = await cri.createContainer(pod, { metadata: { name: `c${c}` }, image: { image: BUSYBOX_IMAGE }, command: SLEEP, logPath: `c${c}.log` }, config);
      await cri.startContainer(id);
    }
    return pod;
  };
  const removePods = async (pods: string[]): Promise<void> => {
    for (const pod of pods) {
      await cri.stopPodSandbox(pod);
      await cri.removePodSandbox(pod);
    }
  };
  const sandboxes = (): number =>
    pidsMentioning(msbRunscRoot).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('runsc-sandbox\0');
      } catch {
        return false;
      }
    }).length;

  /** runCell runs one cell, times it, counts its sandboxes, and removes its pods (untimed). */
  const runCell = async (cell: PodCell, tag: string, measured: boolean): Promise<{ ms: number; sandboxes: number }> => {
    const pods: string[] = [];
    const t0 = process.hrtime.bigint();
    try {
      if (cell === 'msb-pod' || cell === 'runc-pod') {
        pods.push(await startPod(cell === 'msb-pod' ? 'msb' : 'runc', `${cell}-${tag}`, POD_CONTAINERS));
      } else {
        const handler: Handler = cell === 'msb-separate' ? 'msb' : 'runc';
        for (let i = 0; i < POD_CONTAINERS; i++) pods.push(await startPod(handler, `${cell}-${tag}-${i}`, 1, measured ? runPodSandboxMs[handler] : undefined));
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      return { ms, sandboxes: cell.startsWith('msb') ? sandboxes() : 0 };
    } finally {
      await removePods(pods);
    }
  };

  progress('part 6: warm-up round (every cell once, unmeasured)');
  for (const cell of POD_CELLS) {
    progress(`part 6: warm-up ${cell}`);
    await runCell(cell, 'warm', false);
  }
  const samplesMs = Object.fromEntries(POD_CELLS.map((c) => [c, [] as number[]])) as Record<PodCell, number[]>;
  const counted: Record<PodCell, number> = Object.fromEntries(POD_CELLS.map((c) => [c, 0])) as Record<PodCell, number>;
  for (let round = 0; round < opts.rounds; round++) {
    await cleanup.checkpoint();
    const line: string[] = [];
    for (const cell of podCellOrder(round)) {
      const r = await runCell(cell, `r${round}`, true);
      samplesMs[cell].push(r.ms);
      counted[cell] = r.sandboxes;
      line.push(`${cell} ${r.ms.toFixed(0)} ms`);
    }
    progress(`part 6: round ${round + 1}/${opts.rounds}: ${line.join(', ')}`);
  }

  // The overhead: an idle msb pod alone under the private containerd, in three sizes.
  const overhead: PodOverhead[] = [];
  const windowMs = opts.overheadWindowMs ?? 10_000;
  for (const containers of [0, 1, POD_CONTAINERS]) {
    await cleanup.checkpoint();
    const desc = `pause${containers > 0 ? ` + ${containers} × ${SLEEP.join(' ')}` : ' only'}`;
    const pod = await startPod('msb', `overhead-${containers}`, containers);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let start-up work settle
      overhead.push(await measurePodOverhead(msbRunscRoot, desc, windowMs));
      progress(`part 6: ${desc}: ${JSON.stringify(overhead.at(-1))}`);
    } finally {
      await removePods([pod]);
    }
  }

  const leftovers = [
    ...(existsSync(join(msbRoot, 'msb', 'containers')) ? readdirSync(join(msbRoot, 'msb', 'containers')).map((r) => `msb record ${r}`) : []),
    ...(existsSync(msbRunscRoot) ? readdirSync(msbRunscRoot).map((f) => `msb's runsc state ${f}`) : []),
    ...pidsMentioning(msbRoot).map((p) => `process ${p}`),
    ...mountsUnder(join(layout.run, 'state')).map((m) => `mount ${m}`),
    ...mountsUnder(layout.runcRoot).map((m) => `mount ${m}`),
  ];
  const summary = Object.fromEntries(POD_CELLS.map((c) => [c, summarize(samplesMs[c])])) as Record<PodCell, Summary>;
  const runPodSandbox = { msb: summarize(runPodSandboxMs.msb), runc: summarize(runPodSandboxMs.runc) };
  return {
    containers: POD_CONTAINERS,
    rounds: opts.rounds,
    containerd,
    samplesMs,
    summary,
    runPodSandboxMs,
    runPodSandbox,
    ratios: {
      podOverSeparate: {
        msb: ratio(summary['msb-pod'].median, summary['msb-separate'].median),
        runc: ratio(summary['runc-pod'].median, summary['runc-separate'].median),
      },
      msbOverRunc: {
        pod: ratio(summary['msb-pod'].median, summary['runc-pod'].median),
        separate: ratio(summary['msb-separate'].median, summary['runc-separate'].median),
        runPodSandbox: ratio(runPodSandbox.msb.median, runPodSandbox.runc.median),
      },
    },
    runscSandboxes: { msbPod: counted['msb-pod'], msbSeparate: counted['msb-separate'] },
    overhead,
    leftovers,
  };
}

/** formatCriPods renders part 6 for the report. */
export function formatCriPods(p: CriPodsResult, table: (header: string[], rows: string[][]) => string): string[] {
  const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
  const n = p.containers;
  const label: Record<PodCell, string> = {
    'msb-pod': `msb: 1 pod of ${n} containers`,
    'msb-separate': `msb: ${n} pods of 1 container`,
    'runc-pod': `runc: 1 pod of ${n} containers`,
    'runc-separate': `runc: ${n} pods of 1 container`,
  };
  const sandboxes: Partial<Record<PodCell, number>> = { 'msb-pod': p.runscSandboxes.msbPod, 'msb-separate': p.runscSandboxes.msbSeparate };
  return [
    `6. CRI pods (containerd ${p.containerd}, runc v2 shim): time until the last StartContainer returns  (${p.rounds} interleaved rounds)`,
    table(
      ['what', 'median ms', 'p90 ms', 'min ms', 'max ms', 'runsc-sandbox processes'],
      POD_CELLS.map((c) => [
        label[c],
        ms(p.summary[c].median),
        ms(p.summary[c].p90),
        ms(p.summary[c].min),
        ms(p.summary[c].max),
        sandboxes[c] === undefined ? '' : String(sandboxes[c]),
      ]),
    ),
    `ratio of medians, pod of ${n} / ${n} separate pods: msb ${x(p.ratios.podOverSeparate.msb)}, runc ${x(p.ratios.podOverSeparate.runc)}; msb/runc: pod ${x(p.ratios.msbOverRunc.pod)}, separate pods ${x(p.ratios.msbOverRunc.separate)}`,
    `RunPodSandbox alone (in the separate-pod cells), median: msb ${ms(p.runPodSandbox.msb.median)} ms, runc ${ms(p.runPodSandbox.runc.median)} ms (msb/runc ${x(p.ratios.msbOverRunc.runPodSandbox)})`,
    table(
      ['idle msb pod', "processes under msb's runsc root (their PSS MiB)", 'RSS MiB', 'PSS MiB', 'idle CPU millicores'],
      p.overhead.map((o) => [
        o.pod,
        Object.entries(o.processes)
          .sort()
          .map(([k, v]) => `${v} ${k} (${ms(o.pssMiBByProgram[k] ?? Number.NaN)})`)
          .join(', '),
        ms(o.rssMiB),
        ms(o.pssMiB),
        ms(o.idleMillicores),
      ]),
    ),
    ...(p.leftovers.length > 0 ? [`LEFT BEHIND: ${p.leftovers.join('; ')}`] : []),
  ];
}
