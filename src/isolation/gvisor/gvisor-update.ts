import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import type { ContainerRecord } from '../../base/record.js';
import { type CgroupDirs, hostCgroupDirs } from '../cgroups/cgroup-dirs.js';
import { hostPidsLimit } from './pids-limit.js';
import { applyCgroupWrites, type CgroupFs, type LinuxResources, planV1, planV2, unsupportedResources } from '../cgroups/cgroup-writes.js';

/** GvisorCgroup is what create records about a gVisor container's host cgroup (GvisorSummary.cgroup). */
export interface GvisorCgroup {
  /** linux.cgroupsPath as Docker wrote it; runsc puts the whole sandbox (sentry, gofer) in it. */
  path?: string;
  /** runsc ran with --systemd-cgroup: path is slice:prefix:name. */
  systemd: boolean;
}

/**
 * cgroupOfRecord is the cgroup facts create recorded in a gVisor container's summary (records
 * written before them: the bundle's config.json, and runsc's flags for the cgroup mode).
 */
export function cgroupOfRecord(
  record: Pick<ContainerRecord, 'bundle'>,
  summary: { cgroup?: GvisorCgroup; runscArgs?: readonly string[] },
  read = (p: string): string => readFileSync(p, 'utf8'),
): GvisorCgroup {
  if (summary.cgroup) return summary.cgroup;
  let path: string | undefined;
  try {
    path = (JSON.parse(read(join(record.bundle, 'config.json'))) as { linux?: { cgroupsPath?: string } }).linux?.cgroupsPath;
  } catch {
    path = undefined;
  }
  return { path, systemd: (summary.runscArgs ?? []).includes('--systemd-cgroup') };
}

const hostFs: CgroupFs = { exists: existsSync, write: (p, v) => writeFileSync(p, v) };

function readNumber(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * gvisorUpdate applies `runc update` resources to a gVisor container. runsc (2022 and 2024) has
 * no update command, but the whole sandbox (the sentry that runs every container process, and
 * the gofer) lives in the container's host cgroup, so writing the cgroup holds the container to
 * the new limits, as runc's update does. A pids limit gets the sandbox's own tasks on top
 * (hostPidsLimit); the RLIMIT_NPROC create gave the container stays as it was. Resources that change nothing succeed (Docker calls
 * update for `docker update --restart` alone).
 */
export function gvisorUpdate(
  id: string,
  cgroup: GvisorCgroup,
  resources: LinuxResources,
  debug: (msg: string) => void,
  dirsOf: (path: string, systemd: boolean) => CgroupDirs = hostCgroupDirs,
  fs: CgroupFs = hostFs,
): void {
  const refused = unsupportedResources(resources);
  if (refused.length > 0) throw new MsbError('unsupported', `gvisor: update of ${refused.join(', ')} is not supported for container ${id}`);
  const v1 = (d: CgroupDirs): d is Extract<CgroupDirs, { version: 1 }> => d.version === 1;
  const plan = (d: CgroupDirs): ReturnType<typeof planV1> =>
    v1(d)
      ? planV1(resources, {
          pidsHostLimit: hostPidsLimit,
          currentMemswLimit: d.dirs.memory ? readNumber(join(d.dirs.memory, 'memory.memsw.limit_in_bytes')) : undefined,
        })
      : planV2(resources, { pidsHostLimit: hostPidsLimit });
  // Decide "nothing to do" before touching the host: a restart-policy update must succeed even without a cgroup.
  if (planV1(resources).length === 0) {
    debug(`gvisor: update of ${id} changes no resource msb applies; nothing to do`);
    return;
  }
  if (!cgroup.path) throw new MsbError('unsupported', `gvisor: container ${id} has no linux.cgroupsPath, so msb has no host cgroup to update`);
  const dirs = dirsOf(cgroup.path, cgroup.systemd);
  const probe = v1(dirs) ? dirs.dirs.memory : dirs.dir;
  if (!probe || !fs.exists(probe))
    throw new MsbError('not-found', `gvisor: the cgroup of container ${id} (${probe ?? cgroup.path}) does not exist; is the container still running?`);
  const writes = plan(dirs);
  const { skipped } = applyCgroupWrites(dirs, writes, fs);
  debug(
    `gvisor: update of ${id} wrote ${writes
      .filter((w) => !skipped.includes(w))
      .map((w) => `${w.file}=${w.value}`)
      .join(', ')}`,
  );
  for (const s of skipped) debug(`gvisor: update of ${id} skipped ${s.file}=${s.value}: the host has no such file (swap accounting off)`);
}
