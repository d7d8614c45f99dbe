// node dist/bench/create-overhead.js [--runs N] [--runsc PATH]: what msb's `create` costs on top
// of the backend's own create, with whatever `node` is first on PATH. msb runs a stand-in runsc
// that answers --version and `flags` like the real one (its output, captured once) and exits 0 at
// create, so the figure is msb's part alone: the sh launcher, Node's start, msb's code, its file
// writes and the spawn. The stand-in called directly is the baseline. It needs no Docker, no
// sandbox and no root beyond writing a temporary directory, so it also runs inside the
// compatibility images (Debian 13's and sid's Node; docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile } from './stats.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** fakeRunscScript answers like runsc for the probes msb makes and succeeds at every other command. */
export function fakeRunscScript(versionOutput: string, flagsOutput: string, dir: string): string {
  writeFileSync(join(dir, 'version.txt'), versionOutput);
  writeFileSync(join(dir, 'flags.txt'), flagsOutput);
  return [
    '#!/bin/sh',
    '# stand-in runsc for create-overhead: real probe answers, no sandbox',
    'for a; do',
    '  case $a in',
    `    --version) exec cat ${dir}/version.txt ;;`,
    `    flags) exec cat ${dir}/flags.txt ;;`,
    '  esac',
    'done',
    'exit 0',
    '',
  ].join('\n');
}

/** minimalSpec is a config.json runsc would accept: sh in a rootfs directory, its own network namespace. */
export function minimalSpec(): object {
  return {
    ociVersion: '1.0.0',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sleep', '30'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'bench',
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }] },
  };
}

/** childCpuMs is the CPU time (user + system) of this process's reaped children, from /proc/self/stat. */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17, in clock ticks (100 Hz).
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

let cpuOfLast = 0;

function timed(file: string, args: string[], env: NodeJS.ProcessEnv): number {
  const cpu = childCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  cpuOfLast = childCpuMs() - cpu;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr ?? r.error?.message ?? ''}`);
  return ms;
}

function main(argv: string[]): void {
  let runs = 20;
  let realRunsc = 'runsc';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--runsc') realRunsc = argv[++i] as string;
    else throw new Error(`usage: create-overhead [--runs N] [--runsc PATH]`);
  }
  const version = spawnSync(realRunsc, ['--version'], { encoding: 'utf8' });
  const flags = spawnSync(realRunsc, ['flags'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`${realRunsc} --version failed: ${version.stderr ?? version.error?.message}`);
  const work = mkdtempSync(join(tmpdir(), 'msb-create-overhead-'));
  try {
    const fake = join(work, 'runsc');
    writeFileSync(fake, fakeRunscScript(version.stdout, `${flags.stdout ?? ''}${flags.stderr ?? ''}`, work), { mode: 0o755 });
    const bundle = join(work, 'bundle');
    mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    const spec = `${JSON.stringify(minimalSpec(), null, 2)}\n`;
    writeFileSync(join(bundle, 'config.json'), spec);
    const policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ gvisor: { runsc: fake, rmemWorkaround: 'never' } }));
    const env = { ...process.env, MSB_POLICY: policy };
    const msb = join(repoRoot, 'shim', 'msb-runtime');
    const root = join(work, 'root');
    const msbCreate = (id: string): number => timed(msb, ['--root', root, 'create', '--bundle', bundle, id], env);
    const msbDelete = (id: string): void => void timed(msb, ['--root', root, 'delete', id], env);
    const fakeCreate = (id: string): number => timed(fake, ['--root', root, 'create', '--bundle', bundle, id], env);
    msbDelete((msbCreate('warm-up'), 'warm-up')); // fills the probe cache, as Docker's root has it
    const m: number[] = [];
    const f: number[] = [];
    let mCpu = 0;
    let fCpu = 0;
    for (let i = 0; i < runs; i++) {
      const id = `c${i}`;
      const one = (which: 'msb' | 'fake'): void => {
        if (which === 'msb') {
          m.push(msbCreate(id));
          mCpu += cpuOfLast;
        } else {
          f.push(fakeCreate(id));
          fCpu += cpuOfLast;
        }
      };
      one(i % 2 === 0 ? 'msb' : 'fake');
      one(i % 2 === 0 ? 'fake' : 'msb');
      msbDelete(id);
    }
    const nodeStart: number[] = [];
    let nCpu = 0;
    for (let i = 0; i < runs; i++) {
      nodeStart.push(timed('node', ['-e', '0'], env));
      nCpu += cpuOfLast;
    }
    const node = spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim();
    const result = {
      node,
      runs,
      msbCreateMedian: median(m),
      msbCreateP90: percentile(m, 90),
      backendCreateMedian: median(f),
      overheadMs: median(m) - median(f),
      nodeStartMedian: median(nodeStart),
      // CPU time per run (user + system, all processes): steadier than wall time on a busy machine.
      msbCreateCpuMs: mCpu / runs,
      backendCreateCpuMs: fCpu / runs,
      overheadCpuMs: (mCpu - fCpu) / runs,
      nodeStartCpuMs: nCpu / runs,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
