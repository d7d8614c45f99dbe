import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import type { ContainerRecord } from '../../base/record.js';
import type { CgroupFs } from '../cgroups/cgroup-writes.js';
import { cgroupOfRecord, gvisorUpdate } from './gvisor-update.js';

const dirsOf = (): { version: 1; dirs: Record<string, string> } => ({ version: 1, dirs: { memory: '/m', cpu: '/c', pids: '/p' } });
const fake = (present: string[]): CgroupFs & { written: string[] } => {
  const written: string[] = [];
  return { written, exists: (p) => present.includes(p), write: (p, v) => void written.push(`${p}=${v}`) };
};
const cg = { path: '/docker/abc', systemd: false };
const noop = (): void => {};

describe('gvisorUpdate', () => {
  it("writes the sandbox's cgroup, adding the sandbox's own tasks to a pids limit", () => {
    const fs = fake(['/m', '/m/memory.limit_in_bytes', '/c/cpu.cfs_quota_us', '/p/pids.max']);
    gvisorUpdate('abc', cg, { memory: { limit: 100 }, cpu: { quota: 5 }, pids: { limit: 20 } }, noop, dirsOf, fs);
    expect(fs.written).toEqual(['/m/memory.limit_in_bytes=100', '/c/cpu.cfs_quota_us=5', '/p/pids.max=284']);
  });

  it('succeeds without touching anything when nothing changes (docker update --restart)', () => {
    const fs = fake([]);
    gvisorUpdate('abc', { systemd: false }, { memory: {}, cpu: { cpus: '', quota: 0, period: 0 } }, noop, dirsOf, fs);
    expect(fs.written).toEqual([]);
  });

  it('refuses clearly: no cgroupsPath, a cgroup that is gone, realtime CPU', () => {
    expect(thrownMsbError(() => gvisorUpdate('abc', { systemd: false }, { memory: { limit: 1 } }, noop, dirsOf, fake([])), 'unsupported').message).toMatch(
      /no linux.cgroupsPath/,
    );
    expect(thrownMsbError(() => gvisorUpdate('abc', cg, { memory: { limit: 1 } }, noop, dirsOf, fake([])), 'not-found').message).toMatch(
      /cgroup of container abc \(\/m\) does not exist/,
    );
    expect(thrownMsbError(() => gvisorUpdate('abc', cg, { cpu: { realtimeRuntime: 5 } }, noop, dirsOf, fake([])), 'unsupported').message).toBe(
      'gvisor: update of cpu realtime period/runtime is not supported for container abc',
    );
  });
});

describe('cgroupOfRecord', () => {
  const record: Pick<ContainerRecord, 'bundle'> = { bundle: '/b' };

  it("reads what create recorded, else the bundle's config.json", () => {
    expect(cgroupOfRecord(record, { cgroup: cg })).toEqual(cg);
    expect(cgroupOfRecord(record, { runscArgs: ['--systemd-cgroup'] }, () => '{"linux":{"cgroupsPath":"system.slice:docker:abc"}}')).toEqual({
      path: 'system.slice:docker:abc',
      systemd: true,
    });
    expect(
      cgroupOfRecord(record, {}, () => {
        throw new Error('ENOENT');
      }),
    ).toEqual({ path: undefined, systemd: false });
  });
});
