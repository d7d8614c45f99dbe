import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { applyCgroupWrites, type CgroupFs, planV1, planV2 } from './cgroup-writes.js';

// What containerd sends for `docker update --memory 256m --cpus 0.5` (Docker 20.10 toContainerdResources).
const DOCKER_UPDATE = {
  memory: { limit: 268435456, swap: 536870912 },
  cpu: { shares: 0, quota: 50000, period: 100000, cpus: '', mems: '' },
  pids: { limit: 0 },
  blockIO: {},
};
// What it sends for `docker update --restart unless-stopped` alone: zeros everywhere.
const RESTART_ONLY = { memory: {}, cpu: { cpus: '', mems: '', quota: 0, period: 0 }, blockIO: {} };

const files = (w: { file: string; value: string }[]): string[] => w.map((x) => `${x.file}=${x.value}`);

describe('planV1', () => {
  it('writes memory, memsw, period and quota for docker update --memory 256m --cpus 0.5', () => {
    // biome-ignore lint/correctness/noPrecisionLoss: the kernel's "no limit" (2^63 - 4096) as it reads back; a double holds it exactly
    expect(files(planV1(DOCKER_UPDATE, { currentMemswLimit: 9223372036854771712 }))).toEqual([
      'memory.limit_in_bytes=268435456',
      'memory.memsw.limit_in_bytes=536870912',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=50000',
    ]);
  });

  it('raises memsw before the limit when the new limit exceeds the current memsw', () => {
    const w = planV1({ memory: { limit: 512 << 20, swap: 1024 << 20 } }, { currentMemswLimit: 256 << 20 });
    expect(w.map((x) => x.file)).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    expect(planV1({ memory: { limit: -1, swap: -1 } }).map((x) => `${x.file}=${x.value}`)).toEqual([
      'memory.memsw.limit_in_bytes=-1',
      'memory.limit_in_bytes=-1',
    ]);
  });

  it('writes nothing for a restart-policy-only update', () => {
    expect(planV1(RESTART_ONLY)).toEqual([]);
    expect(planV2(RESTART_ONLY)).toEqual([]);
  });

  it('covers reservation, shares, cpuset, pids (with the sandbox overhead) and blkio weight', () => {
    expect(
      files(
        planV1(
          { memory: { reservation: 1000 }, cpu: { shares: 512, cpus: '0', mems: '0' }, pids: { limit: 20 }, blockIO: { weight: 300 } },
          { pidsHostLimit: (n) => n + 40 },
        ),
      ),
    ).toEqual(['memory.soft_limit_in_bytes=1000', 'cpu.shares=512', 'cpuset.cpus=0', 'cpuset.mems=0', 'pids.max=60', 'blkio.weight=300']);
    expect(files(planV1({ pids: { limit: -1 } }, { pidsHostLimit: (n) => n + 40 }))).toEqual(['pids.max=max']);
  });
});

describe('planV2', () => {
  it('converts to v2 files as runc does', () => {
    expect(files(planV2(DOCKER_UPDATE))).toEqual(['memory.max=268435456', 'memory.swap.max=268435456', 'cpu.max=50000 100000']);
    expect(
      files(
        planV2(
          { cpu: { shares: 1024, quota: -1, period: 100000 }, memory: { limit: -1, swap: -1, reservation: 5 }, pids: { limit: 20 }, blockIO: { weight: 500 } },
          { pidsHostLimit: (n) => n + 10 },
        ),
      ),
    ).toEqual(['memory.max=max', 'memory.swap.max=max', 'memory.low=5', 'cpu.weight=39', 'cpu.max=max 100000', 'pids.max=30', 'io.bfq.weight=500']);
  });
});

describe('applyCgroupWrites', () => {
  const fake = (present: string[]): CgroupFs & { written: string[] } => {
    const written: string[] = [];
    return { written, exists: (p) => present.includes(p), write: (p, v) => void written.push(`${p}=${v}`) };
  };
  const dirs = { version: 1 as const, dirs: { memory: '/m', cpu: '/c' } };

  it('writes each file in its controller directory and skips an absent optional one', () => {
    const fs = fake(['/m/memory.limit_in_bytes', '/c/cpu.cfs_period_us', '/c/cpu.cfs_quota_us']);
    const { skipped } = applyCgroupWrites(dirs, planV1(DOCKER_UPDATE), fs);
    expect(fs.written).toEqual(['/m/memory.limit_in_bytes=268435456', '/c/cpu.cfs_period_us=100000', '/c/cpu.cfs_quota_us=50000']);
    expect(skipped.map((s) => s.file)).toEqual(['memory.memsw.limit_in_bytes']);
  });

  it('refuses, naming the file, when the host lacks a required control file', () => {
    const err = thrownMsbError(() => applyCgroupWrites(dirs, planV1({ blockIO: { weight: 300 } }), fake([])), 'host-unsupported');
    expect(err.message).toBe("update: this host's cgroup v1 blkio controller has no blkio.weight, so blkio.weight 300 cannot be applied");
  });

  it("reports the kernel's refusal with the path", () => {
    const fs: CgroupFs = {
      exists: () => true,
      write: () => {
        throw Object.assign(new Error('x'), { code: 'EBUSY' });
      },
    };
    expect(thrownMsbError(() => applyCgroupWrites(dirs, planV1({ memory: { limit: 1 } }), fs), 'backend').message).toBe(
      'update: writing 1 to /m/memory.limit_in_bytes failed: EBUSY',
    );
  });
});
