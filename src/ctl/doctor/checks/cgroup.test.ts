import { describe, expect, it } from 'vitest';
import { fakeContext, fakeDocker } from '../fake-host.js';
import { CGROUP2_SUPER_MAGIC, TMPFS_MAGIC, cgroupCheck, cgroupLayout } from './cgroup.js';

const statfs = (root?: number, unified?: number) => ({
  host: { statfsType: (p: string) => (p === '/sys/fs/cgroup' ? root : p === '/sys/fs/cgroup/unified' ? unified : undefined) },
});

describe('cgroupCheck', () => {
  it.each([
    {
      name: 'v2, systemd driver',
      spec: statfs(CGROUP2_SUPER_MAGIC),
      status: 'ok',
      version: 'v2',
      summary: /^cgroup v2; Docker's cgroup driver systemd \(msb passes --systemd-cgroup to runsc\)/,
    },
    {
      name: 'hybrid (this build host)',
      spec: { ...statfs(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC), docker: fakeDocker({ cgroupDriver: 'cgroupfs', cgroupVersion: '1' }) },
      status: 'ok',
      version: 'v1',
      summary: /^cgroup v1 \(hybrid: .*\); Docker's cgroup driver cgroupfs$/,
    },
    { name: 'pure v1', spec: statfs(TMPFS_MAGIC), status: 'ok', version: 'v1', summary: /^cgroup v1;/ },
    { name: 'nothing mounted', spec: statfs(undefined), status: 'warn', version: 'unknown', summary: /neither cgroup2 nor a v1 tmpfs/ },
  ])('$name → $status', async ({ spec, status, version, summary }) => {
    const r = await cgroupCheck.run(fakeContext(spec));
    expect(r.status).toBe(status);
    expect(r.facts?.version).toBe(version);
    expect(r.summary).toMatch(summary);
  });

  it('names the layout', () => {
    expect(cgroupLayout(0x1234, undefined)).toBe('unknown');
    expect(cgroupLayout(TMPFS_MAGIC, TMPFS_MAGIC)).toBe('v1');
  });
});
