import type { Spec } from '../../base/spec.js';

/** RawSocketsDecision says whether runsc gets --net-raw, and why. */
export interface RawSocketsDecision {
  netRaw: boolean;
  reason: string;
}

function holdsNetRaw(spec: Spec): boolean {
  const caps = spec.process?.capabilities as { bounding?: unknown; effective?: unknown; permitted?: unknown } | undefined;
  // A set that is not a list grants nothing (the fuzzer's `"bounding": true` once threw here).
  return [caps?.effective, caps?.bounding, caps?.permitted].some((set) => Array.isArray(set) && set.includes('CAP_NET_RAW'));
}

/**
 * decideRawSockets applies the policy's gvisor.rawSockets to a container. runsc drops raw
 * sockets unless --net-raw, whatever the container's capabilities; Docker grants CAP_NET_RAW by
 * default, so `ping` fails under gVisor where it works under runc. "capability" passes --net-raw
 * when the container holds CAP_NET_RAW (docker run --cap-drop NET_RAW keeps it off); "never"
 * keeps gVisor's default, a smaller netstack surface (docs/gvisor.md, "Raw sockets").
 */
export function decideRawSockets(mode: 'never' | 'capability', spec: Spec): RawSocketsDecision {
  const holds = holdsNetRaw(spec);
  if (mode === 'never') {
    return {
      netRaw: false,
      reason: holds ? 'the container holds CAP_NET_RAW, but policy gvisor.rawSockets=never keeps raw sockets (ping) off' : 'policy gvisor.rawSockets=never',
    };
  }
  return holds
    ? { netRaw: true, reason: 'policy gvisor.rawSockets=capability and the container holds CAP_NET_RAW' }
    : { netRaw: false, reason: 'the container does not hold CAP_NET_RAW (policy gvisor.rawSockets=capability)' };
}
