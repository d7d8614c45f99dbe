import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';

/** NamespaceUser is a process that lives in a network namespace. */
export interface NamespaceUser {
  pid: number;
  comm: string;
}

/** usersOfNetns lists the processes whose network namespace is the one at `path` (by the link text net:[inode]). */
export function usersOfNetns(path: string): NamespaceUser[] {
  let target: string;
  try {
    target = readlinkSync(path);
  } catch {
    return []; // a bind-mounted namespace file (/var/run/netns/…) is no link: compare by inode below
  }
  const users: NamespaceUser[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${p}/ns/net`) !== target) continue;
      users.push({ pid: Number(p), comm: readFileSync(`/proc/${p}/comm`, 'utf8').trim() });
    } catch {
      // exited meanwhile, or hidden
    }
  }
  return users;
}

/**
 * checkNetworkNamespaceUnserved refuses a container that would start a new sandbox in a network
 * namespace another process already lives in: `docker run --network container:NAME` names
 * /proc/<NAME's pid>/ns/net. runsc takes a namespace's interfaces over (their addresses leave the
 * host side and its own netstack answers), so a second sandbox there would either find the
 * interfaces gone (NAME under msb) or take them from NAME (NAME under runc) — silently either way.
 * Joining NAME's sandbox as a runsc sub-container is what CRI pods do, but Docker keeps the two
 * containers' lifecycles apart (NAME can stop or restart while the other runs), and a
 * sub-container dies with its sandbox. A pod's containers join through the CRI annotations and
 * are not checked here; neither is a namespace nobody uses yet (CNI's pod namespace).
 */
export function checkNetworkNamespaceUnserved(spec: Spec, users: (path: string) => NamespaceUser[] = usersOfNetns): void {
  const path = spec.linux?.namespaces?.find((ns) => ns.type === 'network')?.path;
  if (!path) return;
  const found = users(path);
  if (found.length === 0) return;
  const who = found
    .slice(0, 3)
    .map((u) => `${u.pid} (${u.comm})`)
    .join(', ');
  const sandbox = found.some((u) => u.comm.startsWith('runsc') || u.comm === 'exe') ? ', a gVisor sandbox' : '';
  throw new MsbError(
    'unsupported',
    `gvisor: network namespace ${path} is already used by process ${who}${sandbox}; msb does not start a second sandbox in a shared network namespace (docker run --network container:NAME): it would take the namespace's interfaces from the container there. Put both containers on one Docker network instead`,
  );
}
