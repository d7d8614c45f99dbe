import { readFileSync } from 'node:fs';
import { MsbError } from '../../base/errors.js';
import type { LinuxResources } from './cgroup-writes.js';

/** UPDATE_FLAGS are runc update's resource flags (runc update --help), each one LinuxResources field. */
export const UPDATE_FLAGS: readonly { name: string; help: string }[] = [
  { name: 'blkio-weight', help: 'block IO weight (10-1000)' },
  { name: 'cpu-period', help: 'CPU CFS period in microseconds' },
  { name: 'cpu-quota', help: 'CPU CFS quota in microseconds' },
  { name: 'cpu-share', help: 'CPU shares' },
  { name: 'cpu-rt-period', help: 'CPU realtime period (refused under gVisor)' },
  { name: 'cpu-rt-runtime', help: 'CPU realtime runtime (refused under gVisor)' },
  { name: 'cpuset-cpus', help: 'CPUs to use' },
  { name: 'cpuset-mems', help: 'memory nodes to use' },
  { name: 'memory', help: 'memory limit (bytes, or with k/m/g)' },
  { name: 'memory-reservation', help: 'memory soft limit' },
  { name: 'memory-swap', help: 'memory plus swap limit, -1 for unlimited' },
  { name: 'kernel-memory', help: 'kernel memory limit (refused)' },
  { name: 'kernel-memory-tcp', help: 'kernel TCP memory limit (refused)' },
  { name: 'pids-limit', help: 'maximum number of tasks' },
  { name: 'l3-cache-schema', help: 'Intel RDT L3 schema (refused)' },
  { name: 'mem-bw-schema', help: 'Intel RDT memory bandwidth schema (refused)' },
];

/** parseBytes reads runc's memory values: a byte count, -1, or a number with a k/m/g/t suffix (units.RAMInBytes). */
export function parseBytes(flag: string, text: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (!m) throw new MsbError('invalid-argument', `update: invalid value for --${flag}: ${JSON.stringify(text)}`);
  if (m[1] === '-1') return -1;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[(m[2] ?? '').toLowerCase() as 'k'];
  return Math.floor(Number(m[1]) * scale);
}

function parseInteger(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new MsbError('invalid-argument', `update: invalid value for --${flag}: ${JSON.stringify(text)}`);
  return Number(text);
}

/** resourcesFromFlags builds LinuxResources from runc update's flags (those given; the rest stay unset). */
function resourcesFromFlags(flags: Readonly<Record<string, string | boolean>>): LinuxResources {
  const v = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  for (const k of ['kernel-memory', 'kernel-memory-tcp', 'l3-cache-schema', 'mem-bw-schema']) {
    if (v(k) !== undefined) throw new MsbError('unsupported', `update: --${k} is not supported by msb`);
  }
  const r: LinuxResources = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const bytes = (k: string): number | undefined => (v(k) === undefined ? undefined : parseBytes(k, v(k) as string));
  const int = (k: string): number | undefined => (v(k) === undefined ? undefined : parseInteger(k, v(k) as string));
  memory.limit = bytes('memory');
  memory.reservation = bytes('memory-reservation');
  memory.swap = bytes('memory-swap');
  cpu.shares = int('cpu-share');
  cpu.quota = int('cpu-quota');
  cpu.period = int('cpu-period');
  cpu.realtimePeriod = int('cpu-rt-period');
  cpu.realtimeRuntime = int('cpu-rt-runtime');
  cpu.cpus = v('cpuset-cpus');
  cpu.mems = v('cpuset-mems');
  const defined = (o: object): boolean => Object.values(o).some((x) => x !== undefined);
  if (defined(memory)) r.memory = memory;
  if (defined(cpu)) r.cpu = cpu;
  if (int('pids-limit') !== undefined) r.pids = { limit: int('pids-limit') as number };
  if (int('blkio-weight') !== undefined) r.blockIO = { weight: int('blkio-weight') as number };
  return r;
}

/**
 * readUpdateResources is what `runc update` was asked to apply: the --resources JSON (a file, or
 * - for stdin, as containerd sends it), with any resource flags on top, as runc does.
 */
export function readUpdateResources(
  flags: Readonly<Record<string, string | boolean>>,
  read = (p: string | 0): string => readFileSync(p, 'utf8'),
): LinuxResources {
  const file = typeof flags.resources === 'string' ? flags.resources : undefined;
  let base: LinuxResources = {};
  if (file !== undefined) {
    const text = read(file === '-' ? 0 : file);
    try {
      base = JSON.parse(text) as LinuxResources;
    } catch (err) {
      throw new MsbError('invalid-argument', `update: --resources ${file === '-' ? '(stdin)' : file} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (base === null || typeof base !== 'object' || Array.isArray(base))
      throw new MsbError('invalid-argument', 'update: --resources must hold a JSON object (OCI linux.resources)');
  }
  const extra = resourcesFromFlags(flags);
  return {
    ...base,
    ...(extra.memory || base.memory ? { memory: { ...base.memory, ...strip(extra.memory) } } : {}),
    ...(extra.cpu || base.cpu ? { cpu: { ...base.cpu, ...strip(extra.cpu) } } : {}),
    ...(extra.pids ? { pids: extra.pids } : {}),
    ...(extra.blockIO ? { blockIO: { ...base.blockIO, ...extra.blockIO } } : {}),
  };
}

function strip<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
