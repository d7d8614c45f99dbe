import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { cgroupDirsOf, cgroupPathOf, expandSystemdSlice, hostCgroupDirs, parseCgroupMounts } from './cgroup-dirs.js';

// This host's layout: cgroup v1, one hierarchy per controller, plus the hybrid unified mount.
const V1_MOUNTINFO = [
  '25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '30 25 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu',
  '31 25 0:28 / /sys/fs/cgroup/cpuacct rw,relatime shared:11 - cgroup cgroup rw,cpuacct',
  '32 25 0:29 / /sys/fs/cgroup/memory rw,relatime shared:12 - cgroup cgroup rw,memory',
  '33 25 0:30 / /sys/fs/cgroup/pids rw,relatime shared:13 - cgroup cgroup rw,pids',
  '34 25 0:31 / /sys/fs/cgroup/cpuset rw,relatime shared:14 - cgroup cgroup rw,cpuset',
  '35 25 0:32 / /sys/fs/cgroup/systemd rw,relatime shared:15 - cgroup cgroup rw,name=systemd',
  '36 25 0:33 / /sys/fs/cgroup/unified rw,relatime shared:16 - cgroup2 cgroup2 rw',
].join('\n');
// A common distribution layout: cpu and cpuacct share a hierarchy.
const V1_JOINED = '30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n32 25 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory';
const V2_MOUNTINFO = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';

describe('parseCgroupMounts', () => {
  it('finds v1 hierarchies with their controllers and the v2 mount', () => {
    const m = parseCgroupMounts(V1_MOUNTINFO);
    expect(m.find((x) => x.controllers.includes('memory'))?.mountPoint).toBe('/sys/fs/cgroup/memory');
    expect(m.filter((x) => x.version === 2).map((x) => x.mountPoint)).toEqual(['/sys/fs/cgroup/unified']);
    expect(m.some((x) => x.mountPoint === '/sys/fs/cgroup')).toBe(false); // the tmpfs is not a cgroup
    expect(parseCgroupMounts(V1_JOINED)[0]?.controllers).toEqual(['cpu', 'cpuacct']);
  });
});

describe('cgroupPathOf', () => {
  it.each([
    ['/docker/abc', false, '/docker/abc'],
    ['docker/abc', false, '/docker/abc'],
    ['system.slice:docker:abc', true, '/system.slice/docker-abc.scope'],
    ['machine-pod1.slice:cri:abc', true, '/machine.slice/machine-pod1.slice/cri-abc.scope'],
    [':docker:abc', true, '/system.slice/docker-abc.scope'],
    ['/docker/abc', true, '/docker/abc'],
  ])('%s (systemd %s) is %s', (path, systemd, want) => {
    expect(cgroupPathOf(path, systemd)).toBe(want);
  });

  it('refuses a malformed systemd path or slice', () => {
    expect(thrownMsbError(() => cgroupPathOf('a:b', true), 'invalid-spec').message).toMatch(/slice:prefix:name/);
    expect(thrownMsbError(() => expandSystemdSlice('a--b.slice'), 'invalid-spec').message).toMatch(/invalid systemd slice/);
    expect(thrownMsbError(() => expandSystemdSlice('nope'), 'invalid-spec').message).toMatch(/invalid systemd slice/);
  });
});

describe('cgroupDirsOf', () => {
  it('maps every v1 controller (not named hierarchies) to the container path under its mount', () => {
    const d = cgroupDirsOf('/docker/abc', parseCgroupMounts(V1_MOUNTINFO));
    expect(d).toEqual({
      version: 1,
      dirs: {
        cpu: '/sys/fs/cgroup/cpu/docker/abc',
        cpuacct: '/sys/fs/cgroup/cpuacct/docker/abc',
        memory: '/sys/fs/cgroup/memory/docker/abc',
        pids: '/sys/fs/cgroup/pids/docker/abc',
        cpuset: '/sys/fs/cgroup/cpuset/docker/abc',
      },
    });
    const joined = cgroupDirsOf('/docker/abc', parseCgroupMounts(V1_JOINED));
    expect(joined.version === 1 && joined.dirs.cpu).toBe('/sys/fs/cgroup/cpu,cpuacct/docker/abc');
  });

  it('uses the unified hierarchy on a pure v2 host', () => {
    expect(cgroupDirsOf('/system.slice/docker-abc.scope', parseCgroupMounts(V2_MOUNTINFO))).toEqual({
      version: 2,
      dir: '/sys/fs/cgroup/system.slice/docker-abc.scope',
    });
  });

  it('strips a mount root the path lies under (a host inside a cgroup namespace)', () => {
    const m = parseCgroupMounts('29 23 0:26 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw');
    expect(cgroupDirsOf('/outer/docker/abc', m)).toEqual({ version: 2, dir: '/sys/fs/cgroup/docker/abc' });
  });

  it('says so when no cgroup filesystem is mounted', () => {
    expect(thrownMsbError(() => hostCgroupDirs('/docker/abc', false, () => ''), 'host-unsupported').message).toMatch(/no cgroup filesystem/);
  });
});
