import type { ContainerRecord } from '../../base/record.js';
import type { SocketGrant } from '../host-socket-policy.js';
import { checkRecordBackend, checkSummaryFields } from '../summary-fields.js';
import type { GvisorCgroup } from './gvisor-update.js';
import type { HostUds } from './host-sockets.js';
import type { RawSocketsDecision } from './raw-sockets.js';
import type { RmemDecision } from './rmem-quirk.js';
import type { RootfsWritesDecision } from './rootfs-writes.js';

/**
 * GvisorSummary is what a gVisor container's record remembers (record.backendSummary): how runsc
 * runs it, for exec and update (checked when read back), and why each choice was made, for list,
 * doctor and humans (prepare writes them all; read back, they are not relied on).
 */
export type GvisorSummary = {
  /** The pod sandbox a pod's container joins as a runsc sub-container. */
  podSandbox?: string;
  runsc: string;
  /** runsc's global flags for this container (the launcher's command line, without --log). */
  runscArgs: string[];
  runscVersion?: string;
  platform?: string;
  platformReason?: string;
  rootfsWrites?: RootfsWritesDecision;
  runscRoot?: string;
  rmemWorkaround?: RmemDecision;
  rawSockets?: RawSocketsDecision;
  hostSockets?: { hostUds: HostUds; grants: SocketGrant[] };
  /** The sandbox's host cgroup, for update; absent in records of msb before it was kept (gvisor-update.ts cgroupOfRecord). */
  cgroup?: GvisorCgroup;
  /** --pids-limit: RLIMIT_NPROC in the sandbox (user) and the host cgroup's pids.max (host). */
  pids?: { user?: number; host?: number };
};

/** readGvisorSummary reads a gVisor record's summary, refusing one whose fields the later commands read have another shape. */
export function readGvisorSummary(record: ContainerRecord): GvisorSummary {
  checkRecordBackend('gvisor', record);
  const s = checkSummaryFields('gvisor', record, record.backendSummary, {
    podSandbox: 'string?',
    runsc: 'string',
    runscVersion: 'string?',
    platform: 'string?',
    runscRoot: 'string?',
    runscArgs: 'string[]',
    cgroup: 'object?',
    pids: 'object?',
  });
  if (s.cgroup !== undefined) checkSummaryFields('gvisor', record, s.cgroup, { path: 'string?', systemd: 'boolean' }, 'backendSummary.cgroup');
  if (s.pids !== undefined) checkSummaryFields('gvisor', record, s.pids, { user: 'number?', host: 'number?' }, 'backendSummary.pids');
  return s as GvisorSummary;
}
