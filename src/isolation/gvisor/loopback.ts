import { spawnSync } from 'node:child_process';
import type { Spec } from '../../base/spec.js';
import { which } from '../../base/which.js';

/**
 * needsLoopbackUp: a container whose network namespace runsc makes (no path in the spec) and that
 * nobody else sets up (`ctr run` without CNI) starts with `lo` down; runc brings it up itself, and
 * runsc builds the sandbox's network from the interfaces that are up at start, so without this
 * the container has no interfaces at all (not even 127.0.0.1). Docker's libnetwork and CNI's
 * loopback plugin bring it up too; doing it again costs one `ip` call.
 */
export function needsLoopbackUp(spec: Spec): boolean {
  const netns = spec.linux?.namespaces?.find((ns) => ns.type === 'network');
  return netns !== undefined && !netns.path;
}

/**
 * bringLoopbackUp runs `ip link set lo up` in the network namespace of pid (the sandbox, after
 * runsc create). Returns `missing` with the tool's name when nsenter or ip is not installed (Docker
 * and CNI hosts need neither: they bring lo up themselves), `failed` with the reason otherwise.
 */
export function bringLoopbackUp(pid: number): { missing?: string; failed?: string } {
  const nsenter = which('nsenter');
  const ip = which('ip');
  if (!nsenter || !ip) return { missing: nsenter ? 'ip (iproute2)' : 'nsenter (util-linux)' };
  const r = spawnSync(nsenter, [`--net=/proc/${pid}/ns/net`, ip, 'link', 'set', 'lo', 'up'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? {} : { failed: r.stderr.trim() || r.error?.message || `exit ${r.status}` };
}
