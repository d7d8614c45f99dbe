import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { type EgressBenchOptions, FULL_EGRESS } from './egress-bench.js';
import { FULL_WORKLOADS, QUICK_WORKLOADS, type WorkloadOptions } from './workloads.js';

export { repoRoot };

/** MIN_PAIRS is the fewest `docker run` pairs whose median the benchmark will report. */
const MIN_PAIRS = 8;

/** BenchOptions are the command-line options. */
export interface BenchOptions {
  pairs: number;
  rounds: number;
  image: string;
  msbctl: string;
  out: string;
  /** Part 3 (krun) pairs; 0 skips it. */
  krunPairs: number;
  /** --only run | dns | workloads | pods | checkpoint | egress: run parts 1 and 2 (docker run, runtime commands), part 4 (the DNS relay), 5 (workloads), 6 (CRI pods), the checkpoint/restore part or the egress part alone. */
  only?: 'run' | 'dns' | 'workloads' | 'pods' | 'checkpoint' | 'egress';
  /** The egress part (only with --only egress): its size. */
  egress: EgressBenchOptions;
  /** Part 6 (CRI pods): interleaved rounds, 0 skips it. */
  podRounds: number;
  /** Checkpoint/restore rounds per workload (docker checkpoint create + docker start --checkpoint). */
  checkpointRounds: number;
  /** Part 5 (workloads): its size, or undefined to skip it. */
  workloads?: WorkloadOptions;
}

const USAGE = `usage: npm run bench -- [--pairs N] [--rounds N] [--image IMAGE] [--msbctl PATH] [--out FILE]
  --pairs N     docker run pairs (msb, raw) to time, at least ${MIN_PAIRS} (default 20)
  --rounds N    runtime-command lifecycles per runtime (default 10)
  --image IMG   image with sleep and true (default local/busybox)
  --msbctl P    msbctl used to (un)register the raw runtime (default shim/msbctl)
  --out FILE    machine-readable result (default .bench/latest.json)
  --krun-pairs N  krun pairs (docker run vs msb run to "entering VM"), 0 to skip (default 5)
  --only run    run only parts 1 and 2, docker run and the runtime commands (msb against runsc)
  --only dns    run only part 4, the DNS relay against Docker's embedded DNS
  --only workloads  run only part 5, the workloads (redis, http, files) under msb, runsc and runc
  --only pods   run only part 6, Kubernetes pods through containerd's CRI (msb against runc)
  --pod-rounds N  interleaved rounds of part 6, 0 to skip (default 5)
  --only egress  run only the egress part: HTTP req/s and DNS p50 under an enforced profile vs allow-all
  --egress-rounds N  interleaved rounds of the egress part (default ${FULL_EGRESS.rounds})
  --only checkpoint  run only the checkpoint/restore part (idle busybox, redis with 100,000 keys)
  --checkpoint-rounds N  checkpoint/restore rounds per workload (default 5)
  --workload-rounds N  interleaved rounds of part 5, 0 to skip (default ${FULL_WORKLOADS.rounds})
  --quick       a short run for development: ${MIN_PAIRS} pairs, 3 rounds, no krun, one short workload round, 2 pod rounds, 2 checkpoint rounds
Needs root, dockerd with the runtime "msb" registered, and runsc.`;

/** HelpRequested carries the usage text for --help (printed to stdout, exit 0). */
export class HelpRequested extends Error {}

/** parseBenchArgs reads the command line; it throws with the usage text on a bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    pairs: 20,
    rounds: 10,
    image: 'local/busybox',
    msbctl: join(repoRoot, 'shim', 'msbctl'),
    out: join(repoRoot, '.bench', 'latest.json'),
    krunPairs: 5,
    checkpointRounds: 5,
    workloads: { ...FULL_WORKLOADS },
    podRounds: 5,
    egress: { ...FULL_EGRESS },
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const count = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}, got ${v}\n${USAGE}`);
      return n;
    };
    switch (flag) {
      case '--pairs':
        opts.pairs = count(MIN_PAIRS);
        break;
      case '--rounds':
        opts.rounds = count(1);
        break;
      case '--image':
        opts.image = value();
        break;
      case '--msbctl':
        opts.msbctl = value();
        break;
      case '--out':
        opts.out = value();
        break;
      case '--krun-pairs':
        opts.krunPairs = count(0);
        break;
      case '--checkpoint-rounds':
        opts.checkpointRounds = count(1);
        break;
      case '--only': {
        const v = value();
        if (v !== 'run' && v !== 'dns' && v !== 'workloads' && v !== 'pods' && v !== 'checkpoint' && v !== 'egress')
          throw new Error(`--only takes run, dns, workloads, pods, checkpoint or egress, got ${v}
${USAGE}`);
        opts.only = v;
        break;
      }
      case '--workload-rounds': {
        const n = count(0);
        opts.workloads = n === 0 ? undefined : { ...(opts.workloads ?? FULL_WORKLOADS), rounds: n };
        break;
      }
      case '--pod-rounds':
        opts.podRounds = count(0);
        break;
      case '--egress-rounds':
        opts.egress = { ...opts.egress, rounds: count(1) };
        break;
      case '--quick':
        Object.assign(opts, {
          pairs: MIN_PAIRS,
          rounds: 3,
          krunPairs: 0,
          checkpointRounds: 2,
          workloads: { ...QUICK_WORKLOADS },
          podRounds: 2,
          egress: { rounds: 2, httpSeconds: 3, dnsQueries: 100 },
        });
        break;
      case '-h':
      case '--help':
        throw new HelpRequested(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return opts;
}
