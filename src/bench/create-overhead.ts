// node dist/bench/create-overhead.js [--runs N] [--runsc PATH]: what msb's `create` costs on top
// of the backend's own create, with whatever `node` is first on PATH. msb runs a stand-in runsc
// that answers --version and `flags` like the real one (its output, captured once) and exits 0 at
// create, so the figure is msb's part alone: the sh launcher, msb's code, its file writes and the
// spawn, through the create helper (docs/create-helper.md; a private one in the temporary
// directory, started by the warm-up) and through the Node path (MSB_CREATE_HELPER=off: Node's
// start included). The stand-in called directly is the baseline. It needs no Docker, no sandbox
// and no root beyond writing a temporary directory, so it also runs inside the compatibility
// images (Debian 13's and sid's Node; docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile } from './stats.js';
import { helperFiles, readHelperId } from '../oci/create-helper/helper-paths.js';

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

/**
 * cpuMs is CPU time (user + system, ms) from a /proc/<pid>/stat: a process's own (utime, stime:
 * fields 14 and 15) or its reaped children's (cutime, cstime: 16 and 17), in clock ticks (100 Hz).
 * 0 when the process is gone.
 */
function cpuMs(pid: number | 'self' | undefined, whose: 'own' | 'children'): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields[0] is field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const at = whose === 'own' ? 11 : 13;
    return (Number(fields[at]) + Number(fields[at + 1])) * 10;
  } catch {
    return 0;
  }
}

/** childCpuMs is the CPU time of this process's reaped children. */
const childCpuMs = (): number => cpuMs('self', 'children');

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
  let stopHelper = (): unknown => undefined;
  try {
    const fake = join(work, 'runsc');
    writeFileSync(fake, fakeRunscScript(version.stdout, `${flags.stdout ?? ''}${flags.stderr ?? ''}`, work), { mode: 0o755 });
    const bundle = join(work, 'bundle');
    mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    const spec = `${JSON.stringify(minimalSpec(), null, 2)}\n`;
    writeFileSync(join(bundle, 'config.json'), spec);
    const policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ gvisor: { runsc: fake, rmemWorkaround: 'never' } }));
    // As shim/msb-runtime runs Node: NODE_EXTRA_CA_CERTS alone costs ~50 ms per start (docs/benchmarks.md).
    const env: NodeJS.ProcessEnv = { ...process.env, MSB_POLICY: policy, MSB_CREATE_HELPER_DIR: join(work, 'helper') };
    for (const k of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_PATH', 'MSB_CREATE_HELPER', 'MSB_CREATE_HELPER_WAIT_MS']) delete env[k];
    const nodeEnv: NodeJS.ProcessEnv = { ...env, MSB_CREATE_HELPER: 'off' };
    const msb = join(repoRoot, 'shim', 'msb-runtime');
    const root = join(work, 'root');
    const msbCreate = (id: string, e: NodeJS.ProcessEnv): number => timed(msb, ['--root', root, 'create', '--bundle', bundle, id], e);
    const msbDelete = (id: string): void => void timed(msb, ['--root', root, 'delete', id], env);
    const fakeCreate = (id: string): number => timed(fake, ['--root', root, 'create', '--bundle', bundle, id], env);
    // Warm-up: fills the probe cache, as Docker's root has it, and starts the helper.
    const helperId = readHelperId(join(repoRoot, 'dist'));
    const files = helperId ? helperFiles(join(work, 'helper'), helperId) : undefined;
    const socket = files?.socket;
    for (let i = 0; i < 50 && (i < 2 || (socket && !existsSync(socket))); i++) {
      msbDelete((msbCreate(`warm-up${i}`, env), `warm-up${i}`));
      spawnSync('sleep', ['0.1']);
    }
    const helperUp = socket !== undefined && existsSync(socket);
    const helperPid = helperUp && files ? Number(readFileSync(files.pid, 'utf8')) : undefined;
    stopHelper = () => helperPid !== undefined && process.kill(helperPid, 'SIGTERM');
    const kinds = ['helper', 'node', 'fake'] as const;
    const ms: Record<(typeof kinds)[number], number[]> = { helper: [], node: [], fake: [] };
    const cpu: Record<(typeof kinds)[number], number> = { helper: 0, node: 0, fake: 0 };
    let helperOwnCpu = 0;
    for (let i = 0; i < runs; i++) {
      const id = `c${i}`;
      // The order rotates from round to round.
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length] as (typeof kinds)[number];
        if (kind === 'fake') {
          ms.fake.push(fakeCreate(id));
          cpu.fake += cpuOfLast;
        } else {
          const before = cpuMs(helperPid, 'own');
          ms[kind].push(msbCreate(id, kind === 'helper' ? env : nodeEnv));
          cpu[kind] += cpuOfLast;
          if (kind === 'helper') helperOwnCpu += cpuMs(helperPid, 'own') - before;
          msbDelete(id);
        }
      }
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
      helperRan: helperUp,
      msbCreateMedian: median(ms.helper),
      msbCreateP90: percentile(ms.helper, 90),
      backendCreateMedian: median(ms.fake),
      overheadMs: median(ms.helper) - median(ms.fake),
      nodePathCreateMedian: median(ms.node),
      nodePathOverheadMs: median(ms.node) - median(ms.fake),
      nodeStartMedian: median(nodeStart),
      // CPU time per run (user + system): steadier than wall time on a busy machine. The helper's
      // own CPU is not a child's: it is read from its /proc entry around each create.
      msbCreateCpuMs: (cpu.helper + helperOwnCpu) / runs,
      helperCpuMs: helperOwnCpu / runs,
      backendCreateCpuMs: cpu.fake / runs,
      overheadCpuMs: (cpu.helper + helperOwnCpu - cpu.fake) / runs,
      nodePathCreateCpuMs: cpu.node / runs,
      nodeStartCpuMs: nCpu / runs,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    stopHelper();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
