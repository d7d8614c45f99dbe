import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { CONTROL_SOCKET_ANNOTATION, HOST_UDS_ANNOTATION } from '../annotations.js';
import { parseControlSockets } from '../control-sockets.js';
import { type BindMountFacts, type ContainerIdentity, decideControlSockets, decideSocketMounts } from '../host-socket-policy.js';
import type { Policy } from '../policy.js';

/** KRUN_SOCKET_REASON says why a microVM cannot serve a host Unix socket at a path (docs/control-sockets.md). */
const KRUN_SOCKET_REASON =
  "a microVM has its own kernel: virtio-fs does not carry Unix sockets between host and guest, and msb's --vsock exposes a host socket only as a guest vsock port, not as a socket at a path";

/**
 * checkKrunSockets applies the host-socket policy first (a socket outside policy fails with the
 * rule, as under gVisor), then refuses whatever policy allowed: msb 0.6.18 cannot give the guest
 * a working socket at the same path, for either direction, so create fails naming the socket
 * instead of the container starting with a socket that silently does not work.
 */
export function checkKrunSockets(spec: Spec, policy: Policy, mounts: readonly BindMountFacts[], identity: ContainerIdentity): void {
  const annotations = spec.annotations ?? {};
  if (annotations[HOST_UDS_ANNOTATION] !== undefined) {
    throw new MsbError('unsupported', `krun: annotation ${HOST_UDS_ANNOTATION} applies to gVisor only; this container runs in a microVM`);
  }
  for (const grant of decideSocketMounts(policy, mounts, identity, 'krun')) {
    const what = grant.access === 'open' ? `socket ${grant.source}` : `socket directory ${grant.source}`;
    throw new MsbError('unsupported', `krun: ${what} (bind-mounted at ${grant.destination}, allowed by ${grant.rule}) cannot be served: ${KRUN_SOCKET_REASON}`);
  }
  const control = parseControlSockets(annotations[CONTROL_SOCKET_ANNOTATION]);
  const rule = decideControlSockets(policy, control, identity, 'krun', CONTROL_SOCKET_ANNOTATION);
  if (rule !== undefined) {
    throw new MsbError(
      'unsupported',
      `krun: control socket ${control.join(', ')} (annotation ${CONTROL_SOCKET_ANNOTATION}, allowed by ${rule}) cannot be served: ${KRUN_SOCKET_REASON}`,
    );
  }
}
