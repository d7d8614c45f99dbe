import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * lateInterfaces reads `ip -4 -o addr` output from a gVisor container's network namespace and
 * lists the interfaces that still hold a global address there. runsc takes every interface's
 * addresses into its netstack at start and leaves the host side of the netns bare, so an
 * address there belongs to a network Docker connected after start (`docker network connect`),
 * which the sandbox never sees (measured with runsc 20221219, docs/gvisor.md).
 */
export function lateInterfaces(ipOutput: string): string[] {
  const out: string[] = [];
  for (const line of ipOutput.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+).*\bscope global\b/.exec(line);
    if (m?.[1] && m[2] && m[1] !== 'lo') out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

/** LateNetwork is a gVisor container connected to a network after it started. */
export interface LateNetwork {
  id: string;
  interfaces: string[];
}

/**
 * findLateNetworks checks every running gVisor container msb created under a runtime root: its
 * sandbox pid comes from the pid file Docker asked for (<bundle>/init.pid), its netns is read
 * with nsenter. Containers it cannot inspect are skipped.
 */
export function findLateNetworks(
  root: string,
  read = (p: string): string => readFileSync(p, 'utf8'),
  list = (p: string): string[] => readdirSync(p),
  ipAddr = (pid: number): string | undefined => {
    const r = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-4', '-o', 'addr'], { encoding: 'utf8', timeout: 5000 });
    return r.status === 0 ? r.stdout : undefined;
  },
): LateNetwork[] {
  const dir = join(root, 'msb', 'containers');
  let ids: string[];
  try {
    ids = list(dir);
  } catch {
    return [];
  }
  const found: LateNetwork[] = [];
  for (const id of ids) {
    try {
      const record = JSON.parse(read(join(dir, id, 'record.json'))) as { backend?: string; bundle?: string };
      if (record.backend !== 'gvisor' || !record.bundle) continue;
      const pid = Number(read(join(record.bundle, 'init.pid')).trim());
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const text = ipAddr(pid);
      const interfaces = text === undefined ? [] : lateInterfaces(text);
      if (interfaces.length > 0) found.push({ id, interfaces });
    } catch {
      // not created yet, or gone meanwhile
    }
  }
  return found;
}

/** formatLateNetworks is the warning `msbctl dns status` prints for them. */
export function formatLateNetworks(late: readonly LateNetwork[]): string {
  return late
    .map(
      (l) =>
        `container ${l.id.slice(0, 12)}: connected to a network after start (${l.interfaces.join(', ')}); the gVisor sandbox does not see it: restart the container (docker restart)\n`,
    )
    .join('');
}
