import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** CGROUP2_SUPER_MAGIC is statfs's f_type for cgroup2 (linux/magic.h): a unified hierarchy. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

/** TMPFS_MAGIC is statfs's f_type for tmpfs (linux/magic.h): /sys/fs/cgroup holding v1 hierarchies. */
export const TMPFS_MAGIC = 0x01021994;

/** cgroupLayout names the hierarchy from /sys/fs/cgroup's filesystem: v2 (unified), v1, hybrid, or unknown. */
export function cgroupLayout(rootType: number | undefined, unifiedType: number | undefined): 'v2' | 'v1' | 'hybrid' | 'unknown' {
  if (rootType === CGROUP2_SUPER_MAGIC) return 'v2';
  if (rootType === TMPFS_MAGIC) return unifiedType === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
  return 'unknown';
}

/** cgroupCheck: the cgroup version (v1, hybrid and v2 all work with runsc and runc) and Docker's cgroup driver, which msb passes on to runsc. */
export const cgroupCheck: DoctorCheck<DoctorContext> = {
  id: 'cgroup',
  async run(ctx): Promise<Finding> {
    const layout = cgroupLayout(ctx.host.statfsType('/sys/fs/cgroup'), ctx.host.statfsType('/sys/fs/cgroup/unified'));
    const docker = await ctx.docker();
    const driver = docker instanceof Error ? undefined : docker.cgroupDriver;
    const version = layout === 'hybrid' ? 'v1' : layout;
    const facts = { version, layout, dockerCgroupVersion: docker instanceof Error ? null : docker.cgroupVersion, driver: driver ?? null };
    if (layout === 'unknown') {
      return {
        status: 'warn',
        summary: '/sys/fs/cgroup is neither cgroup2 nor a v1 tmpfs: containers cannot be limited',
        fix: 'mount the cgroup hierarchy (systemd does at boot)',
        facts,
      };
    }
    const drv = driver ? `; Docker's cgroup driver ${driver}${driver === 'systemd' ? ' (msb passes --systemd-cgroup to runsc)' : ''}` : '';
    return {
      status: 'ok',
      summary: `cgroup ${version}${layout === 'hybrid' ? " (hybrid: controllers on v1, systemd's v2 tree at /sys/fs/cgroup/unified)" : ''}${drv}`,
      facts,
    };
  },
};
