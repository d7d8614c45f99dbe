import { readFileSync } from 'node:fs';
import { pidsMentioning } from '../cri/private-containerd.js';

/** ProcessUsage is one process's memory and CPU counters. */
interface ProcessUsage {
  pid: number;
  /** program: the basename of argv[0] (runsc-sandbox, runsc-gofer, runsc, sh). */
  program: string;
  rssKiB: number;
  /** pssKiB shares each page among the processes that map it (runsc's binary text is shared by all). */
  pssKiB: number;
  /** cpuTicks is user + system time in clock ticks (/proc/PID/stat fields 14 and 15). */
  cpuTicks: number;
  /** cgroup is the process's memory cgroup (memoryCgroup). */
  cgroup: string;
}

/** PodOverhead is what the processes msb runs for one idle pod cost, beyond the containers' own. */
export interface PodOverhead {
  /** What ran in the pod, e.g. "pause + 1 × sleep 3600". */
  pod: string;
  processes: Record<string, number>;
  /** pssMiBByProgram: program → the PSS of its processes together. */
  pssMiBByProgram: Record<string, number>;
  /** cgroups: program → the cgroups its processes run in. */
  cgroups: Record<string, string[]>;
  rssMiB: number;
  pssMiB: number;
  /** Idle CPU of those processes over windowMs, in millicores (1000 = one CPU busy). */
  idleMillicores: number;
  windowMs: number;
}

/** kibField reads "Name:   1234 kB" from a /proc status-like text. */
export function kibField(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** cpuTicksOf reads utime + stime from a /proc/PID/stat line (the comm field may hold spaces). */
export function cpuTicksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** memoryCgroup is the cgroup a process's memory is charged to: cgroup v1's memory controller, else the v2 path. */
export function memoryCgroup(procCgroup: string): string {
  return (/^\d+:memory:(.*)$/m.exec(procCgroup) ?? /^0::(.*)$/m.exec(procCgroup))?.[1] ?? '?';
}

/** usageOf reads one process's counters, or undefined if it has exited. */
function usageOf(pid: number): ProcessUsage | undefined {
  try {
    const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.split('/').at(-1) ?? '?';
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return {
      pid,
      program,
      rssKiB: kibField(rollup, 'Rss'),
      pssKiB: kibField(rollup, 'Pss'),
      cpuTicks: cpuTicksOf(readFileSync(`/proc/${pid}/stat`, 'utf8')),
      cgroup: memoryCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8')),
    };
  } catch {
    return undefined;
  }
}

/** processesUnder lists the counters of every process whose argv names `runscRoot` (msb's runsc root for the pods). */
function processesUnder(runscRoot: string): ProcessUsage[] {
  return pidsMentioning(runscRoot).flatMap((p) => usageOf(p) ?? []);
}

/**
 * measurePodOverhead sums the memory of the processes under runscRoot (the pod's runsc-sandbox,
 * its gofers, and per app container msb's keeper sh and its `runsc wait`) and their CPU time over
 * windowMs while the pod idles. Only the measured pod may run under runscRoot meanwhile.
 */
export async function measurePodOverhead(runscRoot: string, pod: string, windowMs: number, clockTicks = 100): Promise<PodOverhead> {
  const first = processesUnder(runscRoot);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const last = new Map(processesUnder(runscRoot).map((u) => [u.pid, u]));
  let ticks = 0;
  for (const u of first) ticks += (last.get(u.pid)?.cpuTicks ?? u.cpuTicks) - u.cpuTicks;
  const processes: Record<string, number> = {};
  const cgroups: Record<string, string[]> = {};
  const pssMiBByProgram: Record<string, number> = {};
  for (const u of last.values()) {
    processes[u.program] = (processes[u.program] ?? 0) + 1;
    pssMiBByProgram[u.program] = (pssMiBByProgram[u.program] ?? 0) + u.pssKiB / 1024;
    const seen = (cgroups[u.program] ??= []);
    if (!seen.includes(u.cgroup)) seen.push(u.cgroup);
  }
  const sum = (f: (u: ProcessUsage) => number): number => [...last.values()].reduce((s, u) => s + f(u), 0) / 1024;
  return {
    pod,
    processes,
    pssMiBByProgram,
    cgroups,
    rssMiB: sum((u) => u.rssKiB),
    pssMiB: sum((u) => u.pssKiB),
    idleMillicores: (ticks / clockTicks / (windowMs / 1000)) * 1000,
    windowMs,
  };
}
