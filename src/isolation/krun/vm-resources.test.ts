import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { DEFAULT_KRUN_POLICY, type KrunPolicy } from '../policy.js';
import { cpusetSize, sizeVm } from './vm-resources.js';

const MiB = 1024 * 1024;

function spec(resources: Record<string, unknown>, annotations?: Record<string, string>): Spec {
  return { ociVersion: '1.0.2', root: { path: 'rootfs' }, linux: { resources }, ...(annotations ? { annotations } : {}) };
}

describe('cpusetSize', () => {
  it.each<[string | undefined, number]>([
    [undefined, 0],
    ['', 0],
    ['0', 1],
    ['0-3', 4],
    ['0-1,3', 3],
    ['2-3', 2],
    [' 1 , 4-5 ', 3],
    ['3-1', 0],
    ['x', 0],
  ])('%j has %i CPUs', (cpus, n) => {
    expect(cpusetSize(cpus)).toBe(n);
  });
});

describe('sizeVm', () => {
  const krun = (over: Partial<KrunPolicy> = {}): KrunPolicy => ({ ...DEFAULT_KRUN_POLICY, ...over });
  it.each<{
    name: string;
    resources: Record<string, unknown>;
    annotations?: Record<string, string>;
    policy?: Partial<KrunPolicy>;
    want: Record<string, number | undefined>;
  }>([
    { name: 'nothing set: msb defaults', resources: {}, want: { memoryMiB: undefined, maxMemoryMiB: undefined, cpus: undefined } },
    {
      name: 'Docker without --memory (no limit field)',
      resources: { memory: { disableOOMKiller: false }, cpu: { shares: 0 } },
      want: { memoryMiB: undefined, cpus: undefined },
    },
    {
      name: 'a 512 MiB limit: guest = limit - 96 MiB headroom',
      resources: { memory: { limit: 512 * MiB } },
      want: { memoryMiB: 416, maxMemoryMiB: undefined },
    },
    { name: 'the headroom comes from policy', resources: { memory: { limit: 512 * MiB } }, policy: { vmmHeadroomMiB: 128 }, want: { memoryMiB: 384 } },
    {
      name: 'a reservation boots small and hotplugs up to the limit',
      resources: { memory: { limit: 1024 * MiB, reservation: 256 * MiB } },
      want: { memoryMiB: 256, maxMemoryMiB: 928 },
    },
    {
      name: 'a reservation above the ceiling is capped',
      resources: { memory: { limit: 512 * MiB, reservation: 512 * MiB } },
      want: { memoryMiB: 416, maxMemoryMiB: undefined },
    },
    { name: 'a reservation without a limit', resources: { memory: { reservation: 300 * MiB } }, want: { memoryMiB: 300, maxMemoryMiB: undefined } },
    { name: 'limit -1 is no limit', resources: { memory: { limit: -1 } }, want: { memoryMiB: undefined } },
    {
      name: 'policy memory with a limit: boot there, hotplug to the ceiling',
      resources: { memory: { limit: 2048 * MiB } },
      policy: { memoryMiB: 512 },
      want: { memoryMiB: 512, maxMemoryMiB: 1952 },
    },
    { name: 'policy memory without a limit', resources: {}, policy: { memoryMiB: 768 }, want: { memoryMiB: 768 } },
    {
      name: 'the annotation wins over policy',
      resources: { memory: { limit: 2048 * MiB } },
      policy: { memoryMiB: 512 },
      annotations: { 'io.msb.krun.memory': '1024' },
      want: { memoryMiB: 1024, maxMemoryMiB: 1952 },
    },
    { name: '--cpus 1.5 (quota 150000 / period 100000) rounds up', resources: { cpu: { quota: 150000, period: 100000 } }, want: { cpus: 2 } },
    { name: '--cpus 2', resources: { cpu: { quota: 200000, period: 100000 } }, want: { cpus: 2 } },
    { name: 'a cpuset without a quota', resources: { cpu: { cpus: '0-2' } }, want: { cpus: 3 } },
    { name: 'the quota wins over the cpuset', resources: { cpu: { quota: 100000, period: 100000, cpus: '0-3' } }, want: { cpus: 1 } },
    { name: 'quota -1 is no quota', resources: { cpu: { quota: -1, period: 100000 } }, want: { cpus: undefined } },
    { name: 'policy vCPUs without cgroup limits', resources: {}, policy: { vcpus: 4 }, want: { cpus: 4 } },
    { name: 'the cgroup wins over policy vCPUs', resources: { cpu: { quota: 100000, period: 100000 } }, policy: { vcpus: 4 }, want: { cpus: 1 } },
    {
      name: 'the cpus annotation wins over everything',
      resources: { cpu: { quota: 100000, period: 100000 } },
      annotations: { 'io.msb.krun.cpus': '3' },
      want: { cpus: 3 },
    },
  ])('$name', ({ resources, annotations, policy, want }) => {
    const got = sizeVm(spec(resources, annotations), krun(policy));
    for (const [k, v] of Object.entries(want)) expect(got[k as keyof typeof got], k).toBe(v);
    expect(got.notes.length).toBeGreaterThanOrEqual(2);
  });

  it.each<{ name: string; resources: Record<string, unknown>; annotations?: Record<string, string>; policy?: Partial<KrunPolicy>; message: RegExp }>([
    {
      name: 'a limit below headroom + 64 MiB',
      resources: { memory: { limit: 128 * MiB } },
      message:
        /^krun: a memory limit of 128 MiB leaves 32 MiB for the guest after the VMM's 96 MiB \(policy krun\.vmmHeadroomMiB\); give the container at least 160 MiB$/,
    },
    {
      name: 'an annotation above the ceiling',
      resources: { memory: { limit: 512 * MiB } },
      annotations: { 'io.msb.krun.memory': '512' },
      message:
        /^krun: guest RAM 512 MiB \(annotation io\.msb\.krun\.memory\) exceeds the container's memory limit 512 MiB minus the VMM's 96 MiB headroom \(416 MiB\)$/,
    },
    {
      name: 'policy memory above the ceiling',
      resources: { memory: { limit: 512 * MiB } },
      policy: { memoryMiB: 1024 },
      message: /\(policy krun\.memoryMiB\) exceeds/,
    },
  ])('refuses $name', ({ resources, annotations, policy, message }) => {
    let err: unknown;
    try {
      sizeVm(spec(resources, annotations), krun(policy));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe('invalid-spec');
    expect((err as MsbError).message).toMatch(message);
  });
});
