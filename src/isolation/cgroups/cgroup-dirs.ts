import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';

/** CgroupDirs are a container's cgroup directories on the host: one per v1 controller, or one v2 directory. */
export type CgroupDirs = { version: 1; dirs: Record<string, string> } | { version: 2; dir: string };

/** CgroupMount is one cgroup filesystem from /proc/self/mountinfo. */
export interface CgroupMount {
  mountPoint: string;
  /** The cgroup path the mount shows at its mount point (its mountinfo root, "/" on the host). */
  root: string;
  version: 1 | 2;
  /** v1: the controllers the hierarchy carries (cpu, memory, name=systemd…); v2: empty. */
  controllers: string[];
}

/** parseCgroupMounts reads the cgroup filesystems out of mountinfo text (proc(5)). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const fields = pre.split(' ');
    const [fstype, , superOptions = ''] = post.split(' ');
    const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const root = unescapeOctal(fields[3] ?? '/');
    const mountPoint = unescapeOctal(fields[4] ?? '');
    if (fstype === 'cgroup2') mounts.push({ mountPoint, root, version: 2, controllers: [] });
    else if (fstype === 'cgroup') mounts.push({ mountPoint, root, version: 1, controllers: superOptions.split(',').filter((o) => !['rw', 'ro'].includes(o)) });
  }
  return mounts;
}

/**
 * expandSystemdSlice turns a systemd slice name into its cgroup path, as runc does
 * (libcontainer/cgroups/systemd ExpandSlice): "a-b.slice" lives at /a.slice/a-b.slice.
 */
export function expandSystemdSlice(slice: string): string {
  if (!slice.endsWith('.slice') || slice.includes('/'))
    throw new MsbError('invalid-spec', `invalid systemd slice ${JSON.stringify(slice)} in linux.cgroupsPath`);
  if (slice === '-.slice') return '/';
  const name = slice.slice(0, -'.slice'.length);
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--'))
    throw new MsbError('invalid-spec', `invalid systemd slice ${JSON.stringify(slice)} in linux.cgroupsPath`);
  let path = '';
  let prefix = '';
  for (const part of name.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    path += `/${prefix}.slice`;
  }
  return path;
}

/**
 * cgroupPathOf is the cgroup path (from the hierarchy's root) a runtime gives a container:
 * cgroupfs drivers use linux.cgroupsPath as it is; the systemd driver (runc/runsc
 * --systemd-cgroup) reads it as slice:prefix:name and makes the unit prefix-name.scope in the slice.
 */
export function cgroupPathOf(cgroupsPath: string, systemd: boolean): string {
  if (!systemd || !cgroupsPath.includes(':')) return cgroupsPath.startsWith('/') ? cgroupsPath : `/${cgroupsPath}`;
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3)
    throw new MsbError('invalid-spec', `linux.cgroupsPath ${JSON.stringify(cgroupsPath)} is not slice:prefix:name (systemd cgroup driver)`);
  const [slice, prefix, name] = parts as [string, string, string];
  const unit = name.endsWith('.slice') ? name : prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  return join(expandSystemdSlice(slice || 'system.slice'), unit);
}

/**
 * cgroupDirsOf maps a container's cgroup path onto the host's cgroup mounts: the unified
 * hierarchy when no v1 memory controller is mounted (pure v2), else every v1 controller.
 */
export function cgroupDirsOf(cgroupPath: string, mounts: readonly CgroupMount[]): CgroupDirs {
  const v1 = mounts.filter((m) => m.version === 1);
  const under = (m: CgroupMount): string => {
    const rel = m.root !== '/' && (cgroupPath === m.root || cgroupPath.startsWith(`${m.root}/`)) ? cgroupPath.slice(m.root.length) : cgroupPath;
    return join(m.mountPoint, rel);
  };
  if (v1.some((m) => m.controllers.includes('memory'))) {
    const dirs: Record<string, string> = {};
    for (const m of v1) for (const c of m.controllers) if (!c.startsWith('name=')) dirs[c] ??= under(m);
    return { version: 1, dirs };
  }
  const v2 = mounts.find((m) => m.version === 2);
  if (!v2) throw new MsbError('host-unsupported', 'no cgroup filesystem is mounted on this host (/proc/self/mountinfo lists neither cgroup nor cgroup2)');
  return { version: 2, dir: under(v2) };
}

/** hostCgroupDirs resolves a container's cgroup directories on this host. */
export function hostCgroupDirs(cgroupsPath: string, systemd: boolean, mountinfo = (): string => readFileSync('/proc/self/mountinfo', 'utf8')): CgroupDirs {
  return cgroupDirsOf(cgroupPathOf(cgroupsPath, systemd), parseCgroupMounts(mountinfo()));
}
