import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { egressStatus, formatEgressStatus } from '../../egress/egress-status.js';
import { readContainerEgress } from '../../egress/host-enforcement.js';
import { listTable } from '../../egress/nft.js';
import { MsbError } from '../../base/errors.js';
import { DOCKER_RUNTIME_ROOT } from './sockets.js';

/** EgressStatusOptions are `msbctl egress status [CONTAINER] [--root R] [--json]`. */
export interface EgressStatusOptions {
  container?: string;
  root?: string;
  json: boolean;
}

/**
 * egressStatusCommand prints each gVisor container's enforced egress profile under a runtime
 * root (Docker's by default): its interfaces, the packets dropped and the addresses the DNS
 * relay learned, with their expiry. CONTAINER is an id or an id prefix.
 */
export function egressStatusCommand(o: EgressStatusOptions, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const dir = join(o.root ?? DOCKER_RUNTIME_ROOT, 'msb', 'containers');
  let ids: string[] = [];
  try {
    ids = readdirSync(dir);
  } catch {
    // no container yet
  }
  if (o.container !== undefined) ids = ids.filter((id) => id.startsWith(o.container as string));
  const containers = ids.flatMap((id) => {
    const egress = readContainerEgress(join(dir, id));
    return egress ? [{ id, egress }] : [];
  });
  if (o.container !== undefined && containers.length === 0)
    throw new MsbError('not-found', `no container ${o.container} with an enforced egress profile under ${dir}`);
  const rows = egressStatus(containers.length > 0 ? listTable() : [], containers);
  out(o.json ? `${JSON.stringify(rows, null, 2)}\n` : formatEgressStatus(rows));
}
