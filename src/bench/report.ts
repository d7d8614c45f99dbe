import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatCriPods, type CriPodsResult } from './cri-pods.js';
import type { DnsBenchResult } from './dns-relay-bench.js';
import { type EgressBenchResult, formatEgress } from './egress-bench.js';
import type { DockerRunResult } from './docker-run.js';
import type { HostFacts } from './host-facts.js';
import type { KrunBootResult } from './krun-boot.js';
import type { MsbRunscFlags } from './msb-flags.js';
import { RUNTIME_COMMANDS, type RuntimeCommandsResult } from './runtime-commands.js';
import { formatWorkloads, type WorkloadResult } from './workloads.js';

/** BenchResult is what `.bench/latest.json` holds. */
export interface BenchResult {
  date: string;
  host: HostFacts;
  msbRunsc: MsbRunscFlags;
  rawWrapperScript: string;
  dockerRun?: DockerRunResult;
  runtimeCommands?: RuntimeCommandsResult;
  /** Part 3: krun, docker run to "entering VM" against msb run (docs/krun.md). */
  krunBoot?: KrunBootResult;
  /** Part 4: the DNS relay (docs/dns.md). */
  dns?: DnsBenchResult;
  /** The egress part (--only egress): an enforced profile against allow-all. */
  egress?: EgressBenchResult;
  /** Part 5: workloads under msb, runsc directly and runc. */
  workloads?: WorkloadResult;
  /** Part 6: Kubernetes pods through containerd's CRI (src/bench/cri-pods.ts, docs/kubernetes.md). */
  criPods?: CriPodsResult;
  /** docker checkpoint create / start --checkpoint under msb (src/bench/checkpoint-restore.ts, docs/checkpoint.md). */
  checkpointRestore?: import('./checkpoint-restore.js').CheckpointRestoreResult;
  problems: string[];
}

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : 'n/a';
}

function ms3(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : 'n/a';
}

function x(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a';
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
}

/** table renders rows as aligned columns: the first left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** formatReport is the human-readable summary printed to stdout. */
export function formatReport(r: BenchResult): string {
  const h = r.host;
  const out: string[] = [
    `msb benchmark ${r.date}`,
    `host: kernel ${h.kernel}, ${h.cpus} × ${h.cpuModel}; ${h.runsc}; docker ${h.docker.server}; node ${h.node}; ${h.msb}, checkout ${h.git}`,
    `runsc as msb runs it: ${r.msbRunsc.runsc} ${r.msbRunsc.runscFlags.join(' ')}; rmem_default workaround for start/restore: ${r.msbRunsc.rmemWorkaround.apply ? 'yes' : 'no'}`,
  ];
  if (r.dockerRun && r.runtimeCommands) out.push('', ...formatParts12(r.dockerRun, r.runtimeCommands));
  if (r.krunBoot) out.push('', ...formatKrun(r.krunBoot));
  if (r.dns) out.push('', ...formatDns(r.dns));
  if (r.workloads) out.push('', ...formatWorkloads(r.workloads, table));
  if (r.egress) out.push('', ...formatEgress(r.egress, table));
  if (r.criPods) out.push('', ...formatCriPods(r.criPods, table));
  if (r.problems.length > 0) out.push('', 'PROBLEMS:', ...r.problems.map((p) => `  - ${p}`));
  return `${out.join('\n')}\n`;
}

function formatDns(n: DnsBenchResult): string[] {
  const t = n.target;
  return [
    `4. DNS: ${n.queries} queries for a container name from one runc container's netns, alternating Docker's 127.0.0.11 (direct) and msb's relay`,
    table(
      ['path', 'p50 ms', 'p99 ms'],
      [
        ['direct 127.0.0.11', ms3(n.direct.p50), ms3(n.direct.p99)],
        ['msb relay (default: answers reused ≤ 1 s)', ms3(n.relay.p50), ms3(n.relay.p99)],
        ['direct 127.0.0.11 (second series)', ms3(n.relayUncached.directP50), ''],
        ['msb relay, cache off', ms3(n.relayUncached.p50), ms3(n.relayUncached.p99)],
      ],
    ),
    `ratio relay/direct of p50: ${x(n.p50Ratio)}  (target ≤ ${t.maxP50Ratio.toFixed(2)}×: ${t.met.p50 ? 'met' : 'NOT met'}); cache off: ${x(n.p50RatioUncached)}; lost ${n.lost}`,
    table(
      ['offered q/s', 'relay answered', 'relay, cache off', 'direct answered'],
      n.rates.map((r) => [
        String(r.offeredQps),
        `${r.relayCached.answered}/${r.relayCached.sent}`,
        `${r.relay.answered}/${r.relay.sent}`,
        `${r.direct.answered}/${r.direct.sent}`,
      ]),
    ),
    `sustained with no loss: ${n.sustainedQpsCached} q/s (target ≥ ${t.minQps}: ${t.met.qps ? 'met' : 'NOT met'}); cache off (every query reaches Docker's resolver): ${n.sustainedQps} q/s`,
    `relay RSS with ${n.registrations} registered containers: ${n.rssMb.toFixed(1)} MB (target ≤ ${t.maxRssMb}: ${t.met.rss ? 'met' : 'NOT met'}); peak over the part, sustained load included: ${n.peakRssMb.toFixed(1)} MB`,
  ];
}

function formatKrun(k: KrunBootResult): string[] {
  return [
    `3. krun: time to msb's "entering VM", ${k.dockerCommand.join(' ')} vs ${k.directCommand.join(' ')}  (${k.pairs} interleaved pairs)`,
    table(
      ['path', 'median ms', 'p90 ms', 'min ms', 'max ms', 'VMM RSS MiB (median)'],
      [
        ['docker run (msb krun)', ms(k.docker.median), ms(k.docker.p90), ms(k.docker.min), ms(k.docker.max), ms(k.vmmRssMiB.docker.median)],
        ['msb run direct', ms(k.direct.median), ms(k.direct.p90), ms(k.direct.min), ms(k.direct.max), ms(k.vmmRssMiB.direct.median)],
      ],
    ),
    `ratio docker/direct of medians: ${x(k.ratioOfMedians)}; container cgroup memory.current median ${ms(k.cgroupMiB.median)} MiB`,
  ];
}

function formatParts12(d: DockerRunResult, runtimeCommands: RuntimeCommandsResult): string[] {
  const r = { runtimeCommands };
  const out: string[] = [
    `1. ${d.command.join(' ')}  (${d.pairs} interleaved pairs)`,
    table(
      ['runtime', 'median ms', 'p90 ms', 'min ms', 'max ms'],
      [
        ['msb', ms(d.msb.median), ms(d.msb.p90), ms(d.msb.min), ms(d.msb.max)],
        ['raw runsc', ms(d.raw.median), ms(d.raw.p90), ms(d.raw.min), ms(d.raw.max)],
      ],
    ),
    `ratio msb/raw of medians: ${x(d.ratioOfMedians)}  (target ≤ ${d.target.maxRatio.toFixed(2)}×: ${d.target.met ? 'met' : 'NOT met'})`,
    '',
    `2. runtime commands, msb-runtime vs the raw wrapper  (${r.runtimeCommands.rounds} interleaved rounds)`,
    table(
      ['command', 'msb median ms', 'raw median ms', 'overhead ms', 'ratio', 'msb p90 ms', 'raw p90 ms'],
      RUNTIME_COMMANDS.map((c) => {
        const f = r.runtimeCommands.commands[c];
        return [c, ms(f.msb.median), ms(f.raw.median), signed(f.overheadMs), x(f.ratio), ms(f.msb.p90), ms(f.raw.p90)];
      }),
    ),
  ];
  return out;
}

/** writeResult writes the machine-readable result (pretty JSON) to path. */
export function writeResult(path: string, r: BenchResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}
