import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { ratio, summarize, type Summary } from './stats.js';
import { stdoutOf } from './timed-spawn.js';

/** KrunBootResult is part 3: time to msb's "entering VM" and the VMM's memory, via Docker and via msb run directly. */
export interface KrunBootResult {
  pairs: number;
  dockerCommand: string[];
  directCommand: string[];
  samplesMs: { docker: number[]; direct: number[] };
  docker: Summary;
  direct: Summary;
  ratioOfMedians: number;
  /** VMM-side resident memory (tini, sh, msb run, msb sandbox) in MiB, sampled 500 ms after "entering VM". */
  vmmRssMiB: { docker: Summary; direct: Summary };
  /** The container's cgroup memory.current in MiB at the same moment (VMM, tmpfs, guest pages touched so far). */
  cgroupMiB: Summary;
}

const ENTERING = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z\s+INFO\s.*entering VM/m;

/** enteringVmAt reads the epoch time (ms, sub-ms precision) of msb's "entering VM" line, if logged yet. */
function enteringVmAt(log: string): number | undefined {
  const m = ENTERING.exec(log);
  if (!m) return undefined;
  return Date.parse(`${m[1]}Z`) + Number(m[2] ?? 0) * 1000;
}

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitForEntering(log: string, timeoutMs = 30_000): number {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const at = existsSync(log) ? enteringVmAt(readFileSync(log, 'utf8')) : undefined;
    if (at !== undefined) return at;
    sleepMs(5);
  }
  throw new Error(`no "entering VM" in ${log} within ${timeoutMs} ms`);
}

/** treeRssMiB sums VmRSS of pid and all its descendants. */
function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      // exited meanwhile
    }
  }
  let kb = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop() as number;
    try {
      kb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
    todo.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

/** cgroupMiB reads the memory use of pid's cgroup: memory.current on cgroup v2, memory.usage_in_bytes on v1. */
function cgroupMiB(pid: number): number {
  const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(cgroups)?.[1];
  const v2 = /^0::(.*)$/m.exec(cgroups)?.[1];
  for (const file of [
    v1 !== undefined ? join('/sys/fs/cgroup/memory', v1, 'memory.usage_in_bytes') : '',
    v2 !== undefined ? join('/sys/fs/cgroup', v2, 'memory.current') : '',
  ]) {
    if (file && existsSync(file)) return Number(readFileSync(file, 'utf8')) / (1024 * 1024);
  }
  return Number.NaN;
}

/** writeKrunWrapper registers msb with --isolation=krun and a hostCheck=warn policy (so it also measures on kvm-pvm hosts). */
export function writeKrunWrapper(work: string, msbRuntime: string): string {
  const policy = join(work, 'krun-policy.json');
  writeFileSync(policy, JSON.stringify({ krun: { hostCheck: 'warn' } }));
  const wrapper = join(work, 'msb-krun');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${msbRuntime} --isolation=krun --policy=${policy} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

function dockerSample(runtime: string, image: string): { ms: number; rss: number; cgroup: number } {
  const t0 = nowMs();
  const id = stdoutOf('docker', ['run', '-d', '--network=none', `--runtime=${runtime}`, image, 'sleep', '30']);
  try {
    const pid = Number(stdoutOf('docker', ['inspect', '--format', '{{.State.Pid}}', id]));
    const at = waitForEntering(`/proc/${pid}/root/msb/home/sandboxes/c-${id.slice(0, 12)}/logs/runtime.log`);
    sleepMs(500);
    return { ms: at - t0, rss: treeRssMiB(pid), cgroup: cgroupMiB(pid) };
  } finally {
    stdoutOf('docker', ['rm', '-f', id]);
  }
}

async function directSample(msb: string, rootfs: string, home: string, n: number): Promise<{ ms: number; rss: number }> {
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, 'tmp'), { recursive: true });
  const name = `bench-${n}`;
  const t0 = nowMs();
  const child = spawn(msb, directArgs(name, rootfs), {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MSB_HOME: home, HOME: home, TMPDIR: join(home, 'tmp') },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const at = waitForEntering(join(home, 'sandboxes', name, 'logs', 'runtime.log'));
    sleepMs(500);
    return { ms: at - t0, rss: child.pid ? treeRssMiB(child.pid) : Number.NaN };
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
}

function directArgs(name: string, rootfs: string): string[] {
  return [
    'run',
    '--name',
    name,
    '-q',
    '--log-level',
    'info',
    '--net',
    'all',
    '--net-ipv4-pool',
    '100.64.0.0/16',
    '--no-dns-rebind-protection',
    rootfs,
    '--',
    'sleep',
    '30',
  ];
}

/**
 * measureKrunBoot times `docker run -d --runtime=<msb krun alias>` from the call to msb's own
 * "entering VM" log line (read through the VMM's /proc/<pid>/root), against `msb run` of the same
 * rootfs started directly with a private MSB_HOME, in alternating pairs. VM entry is the last
 * point a kvm-pvm host reaches, and the part msb adds (runc, tini, the spec rewrite) is all
 * before it.
 */
export async function measureKrunBoot(
  cleanup: Cleanup,
  opts: { runtime: string; image: string; msb: string; rootfs: string; work: string; pairs: number },
  progress: (msg: string) => void,
): Promise<KrunBootResult> {
  const home = join(opts.work, 'msb-home');
  cleanup.push(`rm -rf ${home}`, () => rmSync(home, { recursive: true, force: true }));
  const samples = { docker: [] as number[], direct: [] as number[] };
  const rss = { docker: [] as number[], direct: [] as number[] };
  const cgroup: number[] = [];
  await cleanup.checkpoint();
  dockerSample(opts.runtime, opts.image); // warm-up
  await directSample(opts.msb, opts.rootfs, home, 0);
  for (let i = 0; i < opts.pairs; i++) {
    for (const which of i % 2 === 0 ? (['docker', 'direct'] as const) : (['direct', 'docker'] as const)) {
      await cleanup.checkpoint();
      if (which === 'docker') {
        const s = dockerSample(opts.runtime, opts.image);
        samples.docker.push(s.ms);
        rss.docker.push(s.rss);
        cgroup.push(s.cgroup);
      } else {
        const s = await directSample(opts.msb, opts.rootfs, home, i + 1);
        samples.direct.push(s.ms);
        rss.direct.push(s.rss);
      }
    }
    progress(
      `krun pair ${i + 1}/${opts.pairs}: docker run → entering VM ${(samples.docker.at(-1) as number).toFixed(0)} ms, msb run → entering VM ${(samples.direct.at(-1) as number).toFixed(0)} ms`,
    );
  }
  const docker = summarize(samples.docker);
  const direct = summarize(samples.direct);
  return {
    pairs: opts.pairs,
    dockerCommand: ['docker', 'run', '-d', '--network=none', '--runtime=<msb --isolation=krun>', opts.image, 'sleep', '30'],
    directCommand: ['msb', ...directArgs('<name>', '<rootfs>')],
    samplesMs: samples,
    docker,
    direct,
    ratioOfMedians: ratio(docker.median, direct.median),
    vmmRssMiB: { docker: summarize(rss.docker), direct: summarize(rss.direct) },
    cgroupMiB: summarize(cgroup.filter(Number.isFinite).length > 0 ? cgroup.filter(Number.isFinite) : [0]),
  };
}
