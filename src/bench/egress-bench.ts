// The egress part of npm run bench (--only egress): what an enforced egress profile costs a
// gVisor container under msb, against the same container under msb with allow-all (nothing
// installed), interleaved round by round in one run (docs/benchmarks.md):
//   HTTP requests/s to an allowed destination (busybox httpd in a runc container on the same
//   network, a new connection per request, so every request's SYN walks the container's chain)
//   DNS p50 for that server's name through the host's relay: with the profile the relay filters
//   the name and never reuses an answer; with allow-all it does neither.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayStatus } from '../dns/relay-client.js';
import type { Cleanup } from './cleanup.js';
import { repoRoot } from './repo-root.js';
import { dockerRuntimes, uninstallRuntime, waitForRuntime } from './runtime-registration.js';
import { median, ratio } from './stats.js';
import { mustRun, stdoutOf } from './timed-spawn.js';
import { buildTool, parseToolLines } from './workloads.js';

/** EGRESS_TARGETS are the issue's: requests/s under a profile ≥ 0.95 × allow-all, DNS p50 with the filter ≤ 1.10 × without. */
const EGRESS_TARGETS = { minHttpRatio: 0.95, maxDnsP50Ratio: 1.1 };

/** EGRESS_VARIANTS are the two runtimes compared: msb with allow-all and msb with the benchmark's profile. */
const EGRESS_VARIANTS = ['allow-all', 'profile'] as const;
export type EgressVariant = (typeof EGRESS_VARIANTS)[number];

/** EgressBenchOptions size the part. */
export interface EgressBenchOptions {
  rounds: number;
  httpSeconds: number;
  dnsQueries: number;
}

export const FULL_EGRESS: EgressBenchOptions = { rounds: 5, httpSeconds: 5, dnsQueries: 300 };

/** EgressBenchResult is the part's result. */
export interface EgressBenchResult {
  rounds: number;
  httpSeconds: number;
  httpConcurrency: number;
  dnsQueries: number;
  /** The profile's rules (the allowed destination: the bench network's subnet, port 80). */
  profileRules: string[];
  /** The relay that answered (its entry file): only a relay of this build filters names. */
  relayEntry: string;
  samples: Record<EgressVariant, { httpRps: number[]; dnsP50Ms: number[]; dnsLost: number[] }>;
  median: Record<EgressVariant, { httpRps: number; dnsP50Ms: number }>;
  /** profile / allow-all. */
  httpRatio: number;
  dnsP50Ratio: number;
  target: typeof EGRESS_TARGETS & { met: { http: boolean; dns: boolean } };
}

/** egressRoundOrder alternates which variant goes first, so drift on a shared machine falls on both. */
export function egressRoundOrder(round: number): EgressVariant[] {
  return round % 2 === 0 ? ['allow-all', 'profile'] : ['profile', 'allow-all'];
}

/** summarizeEgress takes the per-round samples to medians and ratios. */
export function summarizeEgress(samples: EgressBenchResult['samples']): Pick<EgressBenchResult, 'median' | 'httpRatio' | 'dnsP50Ratio' | 'target'> {
  const m = (v: EgressVariant) => ({ httpRps: median(samples[v].httpRps), dnsP50Ms: median(samples[v].dnsP50Ms) });
  const med = { 'allow-all': m('allow-all'), profile: m('profile') };
  const httpRatio = ratio(med.profile.httpRps, med['allow-all'].httpRps);
  const dnsP50Ratio = ratio(med.profile.dnsP50Ms, med['allow-all'].dnsP50Ms);
  return {
    median: med,
    httpRatio,
    dnsP50Ratio,
    target: { ...EGRESS_TARGETS, met: { http: httpRatio >= EGRESS_TARGETS.minHttpRatio, dns: dnsP50Ratio <= EGRESS_TARGETS.maxDnsP50Ratio } },
  };
}

function installAlias(cleanup: Cleanup, msbctl: string, name: string, args: string[]): () => void {
  const runtime = join(repoRoot, 'shim', 'msb-runtime');
  if (dockerRuntimes()[name] !== undefined) uninstallRuntime(msbctl, name);
  stdoutOf(msbctl, ['install', '--name', name, '--path', runtime, ...args.flatMap((a) => ['--runtime-arg', a])]);
  const drop = cleanup.push(`${msbctl} uninstall --name ${name}`, () => uninstallRuntime(msbctl, name));
  waitForRuntime(name, { path: runtime });
  return () => {
    uninstallRuntime(msbctl, name);
    drop();
  };
}

/** measureEgress runs the part; the network, containers and runtime names are on the cleanup stack. */
export async function measureEgress(
  cleanup: Cleanup,
  o: { work: string; msbctl: string; opts: EgressBenchOptions },
  progress: (m: string) => void,
): Promise<EgressBenchResult> {
  const tag = `msb-bench-egress-${process.pid}`;
  stdoutOf('docker', ['network', 'create', tag]);
  cleanup.push(`docker network rm ${tag}`, () => void spawnSync('docker', ['network', 'rm', tag]));
  const subnet = stdoutOf('docker', ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', tag]);
  // The rule names the network's subnet, where each measurement's fresh server is: its SYNs pass
  // the chain's earlier rules (replies, the relay, the host) and match this one, the path any
  // allowed destination takes. (A fresh server each time: one busybox httpd kept across rounds
  // holds its TIME_WAIT connections, and the next client's SYNs on reused ports stall on them.)
  const profileRules = [`allow@${subnet}:tcp:80`];
  const policy = join(o.work, 'egress-policy.json');
  writeFileSync(policy, JSON.stringify({ egress: { profiles: { 'bench-egress': { rules: profileRules } } } }));
  const names: Record<EgressVariant, string> = { 'allow-all': `${tag}-allow-all`, profile: `${tag}-profile` };
  progress(`registering ${names['allow-all']} (--egress=allow-all) and ${names.profile} (--egress=bench-egress: ${profileRules.join(',')})`);
  const removeAllow = installAlias(cleanup, o.msbctl, names['allow-all'], ['--egress=allow-all', `--policy=${policy}`]);
  const removeProfile = installAlias(cleanup, o.msbctl, names.profile, ['--egress=bench-egress', `--policy=${policy}`]);
  const tool = buildTool(o.work);
  const concurrency = 16;
  const samples: EgressBenchResult['samples'] = {
    'allow-all': { httpRps: [], dnsP50Ms: [], dnsLost: [] },
    profile: { httpRps: [], dnsP50Ms: [], dnsLost: [] },
  };
  let relayEntry = 'unknown';
  try {
    for (let round = 0; round < o.opts.rounds; round++) {
      for (const v of egressRoundOrder(round)) {
        const server = `${tag}-server-${round}-${v}`;
        stdoutOf('docker', [
          'run',
          '-d',
          '--runtime',
          'runc',
          '--name',
          server,
          '--network',
          tag,
          'local/busybox',
          'sh',
          '-c',
          'mkdir -p /w && echo hello >/w/index.html && exec httpd -f -p 80 -h /w',
        ]);
        const dropServer = cleanup.push(`docker rm -f ${server}`, () => void spawnSync('docker', ['rm', '-f', server]));
        const ip = stdoutOf('docker', ['inspect', '-f', `{{(index .NetworkSettings.Networks "${tag}").IPAddress}}`, server]);
        progress(
          `round ${round + 1}/${o.opts.rounds}: ${v}: HTTP ${o.opts.httpSeconds} s × ${concurrency} connections to ${ip}:80, then ${o.opts.dnsQueries} lookups of ${server}`,
        );
        // The resolver is the container's own (msb points it at the relay on the gateway); a few answered lookups first (the relay opens the container's netns socket on the first).
        const script = [
          `dns=$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)`,
          `/wt dns $dns ${server} 20 >/dev/null`,
          `/wt http ${ip} 80 /index.html ${concurrency} ${o.opts.httpSeconds}`,
          `/wt dns $dns ${server} ${o.opts.dnsQueries}`,
        ].join(' && ');
        const out = mustRun('docker', ['run', '--rm', '--runtime', names[v], '--network', tag, '-v', `${tool}:/wt:ro`, 'local/busybox', 'sh', '-c', script], {
          timeoutMs: 300_000,
        }).stdout;
        const [http, dns] = parseToolLines(out);
        if (!http?.requests || !http.seconds) throw new Error(`the HTTP load generator printed no result under ${v}: ${out.trim()}`);
        if ((http.errors ?? 0) > http.requests / 100)
          throw new Error(`HTTP under ${v}: ${http.errors} errors in ${http.requests + (http.errors ?? 0)} requests`);
        if (dns?.p50_ms === undefined || dns.p50_ms < 0) throw new Error(`the DNS client printed no result under ${v}: ${out.trim()}`);
        samples[v].httpRps.push(http.requests / http.seconds);
        samples[v].dnsP50Ms.push(dns.p50_ms);
        samples[v].dnsLost.push(dns.lost ?? 0);
        spawnSync('docker', ['rm', '-f', server]);
        dropServer();
      }
      if (round === 0) {
        const st = await relayStatus();
        relayEntry = st.running
          ? `${String((st.status.install as { entry?: string; state?: string } | undefined)?.entry ?? 'unknown')} (${String((st.status.install as { state?: string } | undefined)?.state ?? '?')})`
          : `not running: ${st.reason}`;
      }
    }
  } finally {
    removeProfile();
    removeAllow();
  }
  return {
    rounds: o.opts.rounds,
    httpSeconds: o.opts.httpSeconds,
    httpConcurrency: concurrency,
    dnsQueries: o.opts.dnsQueries,
    profileRules,
    relayEntry,
    samples,
    ...summarizeEgress(samples),
  };
}

/** formatEgress is the report's section. */
export function formatEgress(e: EgressBenchResult, table: (header: string[], rows: string[][]) => string): string[] {
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const t = e.target;
  return [
    `egress: msb with an enforced profile (${e.profileRules.join(',')}) vs msb with allow-all  (${e.rounds} interleaved rounds; relay ${e.relayEntry})`,
    table(
      ['variant', 'http req/s (median)', 'http req/s per round', 'dns p50 ms (median)', 'dns p50 ms per round', 'dns lost'],
      EGRESS_VARIANTS.map((v) => [
        v,
        f(e.median[v].httpRps, 0),
        e.samples[v].httpRps.map((x) => f(x, 0)).join(' '),
        f(e.median[v].dnsP50Ms, 3),
        e.samples[v].dnsP50Ms.map((x) => f(x, 3)).join(' '),
        String(e.samples[v].dnsLost.reduce((a, b) => a + b, 0)),
      ]),
    ),
    `http requests/s profile/allow-all: ${f(e.httpRatio, 3)}  (target ≥ ${t.minHttpRatio}: ${t.met.http ? 'met' : 'NOT met'}); dns p50 profile/allow-all: ${f(e.dnsP50Ratio, 3)}  (target ≤ ${t.maxDnsP50Ratio}: ${t.met.dns ? 'met' : 'NOT met'})`,
  ];
}
