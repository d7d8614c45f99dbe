// Part 5 of npm run bench: real workloads, each under runc, under runsc registered directly with
// its own defaults, and under msb, interleaved round by round in one run (docs/benchmarks.md):
//   redis:  redis-server in one container, redis-benchmark (GET) in another
//   http:   busybox httpd in one container, a static load generator in another
//   files:  untar 10,000 small files into the container's root filesystem, then find | xargs cat
// runsc alone cannot resolve container names (Docker's 127.0.0.11 is outside its sandbox), so its
// clients use the server's address; runc's and msb's use the name, as users do.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import type { Cleanup } from './cleanup.js';
import { median, ratio } from './stats.js';
import { mustRun, stdoutOf } from './timed-spawn.js';

/** WORKLOAD_RUNTIMES are the three runtimes every workload runs under, in the first round's order. */
const WORKLOAD_RUNTIMES = ['msb', 'runsc', 'runc'] as const;
/**
 * msbSandbox is msb with policy gvisor.rootfsWrites "sandbox" (runsc's own in-sandbox overlay,
 * docs/gvisor.md): the file workload also runs under it, so the cost of msb's default
 * (Docker's view of the writes) is told apart from anything else msb does.
 */
export const FILE_RUNTIMES = [...WORKLOAD_RUNTIMES, 'msbSandbox'] as const;
export type WorkloadRuntime = (typeof FILE_RUNTIMES)[number];

/** WorkloadOptions size part 5; quick is for development on a busy machine. */
export interface WorkloadOptions {
  rounds: number;
  redisRequests: number;
  httpSeconds: number;
  files: number;
}

export const FULL_WORKLOADS: WorkloadOptions = { rounds: 5, redisRequests: 20_000, httpSeconds: 10, files: 10_000 };
export const QUICK_WORKLOADS: WorkloadOptions = { rounds: 1, redisRequests: 5_000, httpSeconds: 3, files: 10_000 };

/** Metric is one figure of one workload; better says which direction is faster. */
export interface Metric {
  name: string;
  unit: string;
  better: 'higher' | 'lower';
}

export const METRICS = {
  redisGet: { name: 'redis GET', unit: 'req/s', better: 'higher' },
  httpRps: { name: 'http requests', unit: 'req/s', better: 'higher' },
  httpP99: { name: 'http p99', unit: 'ms', better: 'lower' },
  untar: { name: 'untar 10,000 files', unit: 'ms', better: 'lower' },
  catAll: { name: 'find | xargs cat', unit: 'ms', better: 'lower' },
} as const satisfies Record<string, Metric>;
type MetricKey = keyof typeof METRICS;

/** Samples are every measured value: metric → runtime → one value per round (NaN: that round failed). */
export type Samples = Record<MetricKey, Record<WorkloadRuntime, number[]>>;

/**
 * WorkloadRow is one metric's medians and msb's speed relative to the others (> 1: msb faster).
 * The speeds are medians over rounds of the speed within one round (msb against the other runtime
 * measured minutes apart at most), so a host that is busier in some rounds than in others moves
 * both sides of a ratio rather than one.
 */
export interface WorkloadRow {
  metric: MetricKey;
  median: Record<WorkloadRuntime, number>;
  /** msb's speed over runsc's: msb/runsc for rates, runsc/msb for times and latencies (median of the rounds' ratios). */
  speedVsRunsc: number;
  speedVsRunc: number;
  /** The same for msb with the in-sandbox overlay (file rows only; NaN elsewhere). */
  sandboxSpeedVsRunsc: number;
}

/** WorkloadResult is part 5 of the benchmark result. */
export interface WorkloadResult {
  options: WorkloadOptions;
  /** runsc's flags as registered directly (its defaults) and as msb runs it. */
  runscDirect: string;
  runscByMsb: string;
  samples: Samples;
  rows: WorkloadRow[];
  /** Rounds that failed, with the reason: they are left out of the medians. */
  failures: string[];
}

/** emptySamples is a Samples with no values. */
export function emptySamples(): Samples {
  const per = (): Record<WorkloadRuntime, number[]> => ({ msb: [], runsc: [], runc: [], msbSandbox: [] });
  return { redisGet: per(), httpRps: per(), httpP99: per(), untar: per(), catAll: per() };
}

/** speed is how much faster msb is than other for a metric (> 1: faster), or NaN without data. */
export function speed(metric: Metric, msb: number, other: number): number {
  if (!Number.isFinite(msb) || !Number.isFinite(other)) return Number.NaN;
  return metric.better === 'higher' ? ratio(msb, other) : ratio(other, msb);
}

/** medianOf is the median of the finite values, or NaN when there are none. */
function medianOf(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length > 0 ? median(finite) : Number.NaN;
}

/** pairedSpeed is the median over rounds of a's speed against b's in the same round (rounds where either failed are left out). */
function pairedSpeed(metric: Metric, a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const per: number[] = [];
  for (let i = 0; i < n; i++) per.push(speed(metric, a[i] as number, b[i] as number));
  return medianOf(per);
}

/** summarizeWorkloads turns samples into one row per metric that has values. */
export function summarizeWorkloads(samples: Samples): WorkloadRow[] {
  const rows: WorkloadRow[] = [];
  for (const key of Object.keys(METRICS) as MetricKey[]) {
    const per = samples[key];
    const med = { msb: medianOf(per.msb), runsc: medianOf(per.runsc), runc: medianOf(per.runc), msbSandbox: medianOf(per.msbSandbox) };
    if (FILE_RUNTIMES.every((rt) => Number.isNaN(med[rt]))) continue;
    const m = METRICS[key];
    rows.push({
      metric: key,
      median: med,
      speedVsRunsc: pairedSpeed(m, per.msb, per.runsc),
      speedVsRunc: pairedSpeed(m, per.msb, per.runc),
      sandboxSpeedVsRunsc: pairedSpeed(m, per.msbSandbox, per.runsc),
    });
  }
  return rows;
}

/**
 * parseRedisCsv reads `redis-benchmark --csv` output: a header line, then one line per test,
 * e.g. "GET","4012.04","4.9","1.2","4.8","6.1","8.3","12.0". It returns the rate of the test.
 */
export function parseRedisCsv(output: string, test: string): { rps: number; p50Ms?: number; p99Ms?: number } {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('"'));
  const cells = (l: string): string[] => l.split(',').map((c) => c.replace(/^"|"$/g, ''));
  const header = lines[0] ? cells(lines[0]) : [];
  for (const line of lines) {
    const c = cells(line);
    if (c[0] !== test) continue;
    const rps = Number(c[1]);
    if (!Number.isFinite(rps) || rps <= 0) break;
    const col = (name: string): number | undefined => {
      const i = header.indexOf(name);
      const v = i >= 0 ? Number(c[i]) : Number.NaN;
      return Number.isFinite(v) ? v : undefined;
    };
    return { rps, p50Ms: col('p50_latency_ms'), p99Ms: col('p99_latency_ms') };
  }
  throw new Error(`redis-benchmark printed no rate for ${test}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
}

/** parseToolLines reads the JSON lines workload-tool prints, ignoring anything else. */
export function parseToolLines(output: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of output.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t) as Record<string, number>);
    } catch {
      // not one of ours
    }
  }
  return out;
}

/** roundOrder alternates the runtimes' order from round to round so none always goes first. */
export function roundOrder(round: number, runtimes: readonly WorkloadRuntime[] = WORKLOAD_RUNTIMES): WorkloadRuntime[] {
  const order = [...runtimes];
  const k = round % order.length;
  return [...order.slice(k), ...order.slice(0, k)];
}

/** resolveScript is sh that sets $ip to target's IPv4 address (target may already be one). */
export function resolveScript(target: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(target)) return `ip=${target}`;
  return `ip=; for i in $(seq 50); do ip=$(nslookup ${target} 2>/dev/null | awk '/^Address/ {a=$NF} END {print a}' | sed 's/:.*//'); case $ip in ''|127.*) sleep 0.1 ;; *) break ;; esac; done; [ -n "$ip" ] || { echo "cannot resolve ${target}" >&2; exit 1; }`;
}

/** writeFileTree writes n small files (100 per directory, 64–2,111 bytes) under dir. */
export function writeFileTree(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const sub = join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), `${i} `.repeat(64 + ((i * 7919) % 2048)).slice(0, 64 + ((i * 7919) % 2048)));
  }
}

interface Env {
  cleanup: Cleanup;
  work: string;
  network: string;
  runtimeName: Record<WorkloadRuntime, string>;
  tool: string;
  tarball: string;
  opts: WorkloadOptions;
  tag: string;
}

function docker(args: string[], timeoutMs = 300_000): string {
  return mustRun('docker', args, { timeoutMs }).stdout;
}

/** server starts a detached container on the bench network and returns the name clients use. */
function server(e: Env, rt: WorkloadRuntime, what: string, image: string, cmd: string[]): { target: string; remove: () => void } {
  const name = `${e.tag}-${rt}-${what}`;
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  const drop = e.cleanup.push(`docker rm -f ${name}`, () => void spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' }));
  docker(['run', '-d', '--runtime', e.runtimeName[rt], '--network', e.network, '--name', name, image, ...cmd]);
  const target = rt === 'runsc' ? stdoutOf('docker', ['inspect', '-f', `{{(index .NetworkSettings.Networks "${e.network}").IPAddress}}`, name]) : name;
  return {
    target,
    remove: () => {
      spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      drop();
    },
  };
}

function client(e: Env, rt: WorkloadRuntime, image: string, script: string, mounts: string[] = []): string {
  const v = mounts.flatMap((m) => ['-v', m]);
  return docker(['run', '--rm', '--runtime', e.runtimeName[rt], '--network', e.network, ...v, image, 'sh', '-c', script]);
}

function redisRound(e: Env, rt: WorkloadRuntime, s: Samples): void {
  const srv = server(e, rt, 'redis', 'local/redis', ['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no']);
  try {
    const t = srv.target;
    const out = client(
      e,
      rt,
      'local/redis',
      `for i in $(seq 100); do redis-cli -h ${t} ping >/dev/null 2>&1 && break; sleep 0.1; done; exec redis-benchmark -h ${t} -n ${e.opts.redisRequests} -c 20 -t get --csv`,
    );
    s.redisGet[rt].push(parseRedisCsv(out, 'GET').rps);
  } finally {
    srv.remove();
  }
}

function httpRound(e: Env, rt: WorkloadRuntime, s: Samples): void {
  const srv = server(e, rt, 'http', 'local/busybox', ['httpd', '-f', '-p', '80', '-h', '/var/www']);
  try {
    const script = `${resolveScript(srv.target)}; for i in $(seq 100); do wget -q -O /dev/null http://$ip/index.html && break; sleep 0.1; done; exec /wt http $ip 80 /index.html 16 ${e.opts.httpSeconds}`;
    const r = parseToolLines(client(e, rt, 'local/busybox', script, [`${e.tool}:/wt:ro`]))[0];
    if (!r || !(r.requests && r.requests > 0)) throw new Error(`the HTTP load generator printed no result under ${rt}`);
    if (r.errors && r.errors > r.requests / 100) throw new Error(`HTTP under ${rt}: ${r.errors} errors in ${r.requests + r.errors} requests`);
    s.httpRps[rt].push((r.requests ?? 0) / (r.seconds ?? 1));
    s.httpP99[rt].push(r.p99_ms ?? Number.NaN);
  } finally {
    srv.remove();
  }
}

function filesRound(e: Env, rt: WorkloadRuntime, s: Samples): void {
  // The previous round's 10,000 files may still be on their way to disk: let no round pay for another's.
  spawnSync('sync');
  const script = 'mkdir /tmp/x && /wt time tar -xf /files.tar -C /tmp/x && /wt time sh -c "find /tmp/x -type f | xargs cat >/dev/null"';
  const out = mustRun(
    'docker',
    [
      'run',
      '--rm',
      '--runtime',
      e.runtimeName[rt],
      '--network',
      'none',
      '-v',
      `${e.tool}:/wt:ro`,
      '-v',
      `${e.tarball}:/files.tar:ro`,
      'local/busybox',
      'sh',
      '-c',
      script,
    ],
    { timeoutMs: 600_000 },
  ).stdout;
  const [untar, cat] = parseToolLines(out);
  if (untar?.ms === undefined || cat?.ms === undefined) throw new Error(`the file workload printed no timings under ${rt}: ${out.trim()}`);
  s.untar[rt].push(untar.ms);
  s.catAll[rt].push(cat.ms);
}

/** buildTool compiles workload-tool.c statically into dir (busybox has no load generator or ms clock). */
export function buildTool(dir: string): string {
  const path = join(dir, 'workload-tool');
  mustRun('gcc', ['-static', '-O2', '-pthread', '-o', path, join(repoRoot, 'src', 'bench', 'workload-tool.c')]);
  return path;
}

/**
 * measureWorkloads runs part 5. runtimeName maps each runtime to its Docker runtime name (runsc:
 * the directly registered wrapper). Every container and the network are on the cleanup stack; a
 * failed round is recorded and left out rather than ending the whole benchmark.
 */
export async function measureWorkloads(
  cleanup: Cleanup,
  o: { work: string; runtimeName: Record<WorkloadRuntime, string>; opts: WorkloadOptions; runscDirect: string; runscByMsb: string },
  progress: (m: string) => void,
): Promise<WorkloadResult> {
  for (const image of ['local/busybox', 'local/redis']) {
    if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0)
      throw new Error(`image ${image} is missing (run scripts/build-images.sh)`);
  }
  const tag = `msb-bench-wl-${process.pid}`;
  const tool = buildTool(o.work);
  progress(`writing ${o.opts.files} small files into a tarball`);
  const tree = join(o.work, 'files');
  writeFileTree(tree, o.opts.files);
  const tarball = join(o.work, 'files.tar');
  mustRun('tar', ['-cf', tarball, '-C', tree, '.']);
  stdoutOf('docker', ['network', 'create', tag]);
  cleanup.push(`docker network rm ${tag}`, () => void spawnSync('docker', ['network', 'rm', tag], { stdio: 'ignore' }));
  const e: Env = { cleanup, work: o.work, network: tag, runtimeName: o.runtimeName, tool, tarball, opts: o.opts, tag };
  const samples = emptySamples();
  const failures: string[] = [];
  const rounds: [string, (e: Env, rt: WorkloadRuntime, s: Samples) => void, readonly WorkloadRuntime[], readonly MetricKey[]][] = [
    ['redis', redisRound, WORKLOAD_RUNTIMES, ['redisGet']],
    ['http', httpRound, WORKLOAD_RUNTIMES, ['httpRps', 'httpP99']],
    ['files', filesRound, FILE_RUNTIMES, ['untar', 'catAll']],
  ];
  for (let round = 0; round < o.opts.rounds; round++) {
    for (const [what, fn, runtimes, metrics] of rounds) {
      for (const rt of roundOrder(round, runtimes)) {
        await cleanup.checkpoint();
        progress(`workloads round ${round + 1}/${o.opts.rounds}: ${what} under ${rt}`);
        try {
          fn(e, rt, samples);
        } catch (err) {
          const msg = `round ${round + 1} ${what} under ${rt}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
          progress(`FAILED ${msg}`);
          failures.push(msg);
        }
        // A failed round keeps its place (NaN), so every runtime's nth value is from round n.
        for (const m of metrics) while (samples[m][rt].length < round + 1) samples[m][rt].push(Number.NaN);
      }
    }
  }
  spawnSync('docker', ['network', 'rm', tag], { stdio: 'ignore' });
  return { options: o.opts, runscDirect: o.runscDirect, runscByMsb: o.runscByMsb, samples, rows: summarizeWorkloads(samples), failures };
}

function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return 'n/a';
  return unit === 'req/s' ? v.toFixed(0) : v.toFixed(1);
}

function x(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : 'n/a';
}

/** formatWorkloads renders part 5 for the report: medians and msb's speed relative to runsc and runc. */
export function formatWorkloads(w: WorkloadResult, table: (header: string[], rows: string[][]) => string): string[] {
  return [
    `5. workloads, ${w.options.rounds} interleaved round(s); runsc directly: ${w.runscDirect}; msb: ${w.runscByMsb}`,
    table(
      ['workload', 'unit', 'msb', 'runsc', 'runc', 'msb/runsc', 'msb/runc', 'msb sandbox overlay', 'its /runsc'],
      w.rows.map((r) => {
        const m = METRICS[r.metric];
        return [
          m.name,
          m.unit,
          fmt(r.median.msb, m.unit),
          fmt(r.median.runsc, m.unit),
          fmt(r.median.runc, m.unit),
          x(r.speedVsRunsc),
          x(r.speedVsRunc),
          fmt(r.median.msbSandbox, m.unit),
          x(r.sandboxSpeedVsRunsc),
        ];
      }),
    ),
    'msb/runsc and msb/runc are speed ratios (> 1: msb faster): rates msb/other, times and p99 other/msb; each is the median over rounds of the ratio within one round',
    '"msb sandbox overlay": msb with policy gvisor.rootfsWrites "sandbox" (runsc\'s own overlay default), file workload only',
    ...w.failures.map((f) => `FAILED ${f}`),
  ];
}
