import type { Spec } from '../../base/spec.js';

/**
 * SANDBOX_PIDS_BASE and SANDBOX_PIDS_PER_TASK are the host tasks a gVisor sandbox needs, measured
 * here (runsc 20221219, ptrace platform, Docker 20.10): an idle sandbox holds 45 host tasks in its
 * cgroup (sentry and gofer threads), and each process inside adds 7 to 9 (its ptrace stub and
 * the sentry threads that run it). The host cgroup gets this on top of the user's limit, with a
 * margin, so the limit inside the sandbox is the one a fork loop meets (docs/gvisor.md).
 */
const SANDBOX_PIDS_BASE = 64;
const SANDBOX_PIDS_PER_TASK = 10;

/** hostPidsLimit is the host cgroup's pids.max for a user limit: the limit plus the sandbox's own tasks. */
export function hostPidsLimit(userLimit: number): number {
  return userLimit + SANDBOX_PIDS_BASE + SANDBOX_PIDS_PER_TASK * userLimit;
}

/** PidsRewrite is the spec with the pids limit split between the sandbox and the host. */
export interface PidsRewrite {
  spec: Spec;
  userLimit?: number;
  hostLimit?: number;
}

type Rlimit = { type: string; hard: number; soft: number };

/**
 * rewritePidsLimit makes `--pids-limit N` mean N processes of the container: gVisor's sentry
 * enforces RLIMIT_NPROC for every task without CAP_SYS_ADMIN or CAP_SYS_RESOURCE, uid 0 included
 * (pkg/sentry/kernel/kernel.go incRLimitNProc), so the container's init gets RLIMIT_NPROC N
 * (a lower one the user set is kept) and fork fails with EAGAIN at the limit, as under runc. The
 * host cgroup's pids.max becomes hostPidsLimit(N): the sandbox's own threads count there, and
 * with N alone the sandbox could not even start. Pure: returns a new spec, or the same one.
 */
export function rewritePidsLimit(spec: Spec): PidsRewrite {
  const resources = spec.linux?.resources as { pids?: { limit?: number } } | undefined;
  const limit = resources?.pids?.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) return { spec };
  if (spec.process?.rlimits !== undefined && !Array.isArray(spec.process.rlimits)) return { spec };
  const rlimits = ((spec.process?.rlimits as Rlimit[] | undefined) ?? []).filter((r) => r.type !== 'RLIMIT_NPROC');
  const own = (spec.process?.rlimits as Rlimit[] | undefined)?.find((r) => r.type === 'RLIMIT_NPROC');
  const nproc = { type: 'RLIMIT_NPROC', soft: Math.min(own?.soft ?? limit, limit), hard: Math.min(own?.hard ?? limit, limit) };
  const hostLimit = hostPidsLimit(limit);
  return {
    spec: {
      ...spec,
      process: { ...spec.process, rlimits: [...rlimits, nproc] },
      linux: { ...spec.linux, resources: { ...resources, pids: { ...resources?.pids, limit: hostLimit } } },
    },
    userLimit: limit,
    hostLimit,
  };
}
