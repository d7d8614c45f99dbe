import { findNft } from '../../egress/nft.js';
import { findTc } from '../../egress/tc.js';
import { MsbError } from '../../base/errors.js';
import type { BackendContext } from '../backend.js';
import { checkNetworkNamespace } from '../network-namespace.js';
import { podSandboxOf } from '../pod-annotations.js';
import { checkPodSandbox } from './pod-sandbox.js';
import { runscRootOf } from './runsc-root.js';
import { checkNetworkNamespaceUnserved } from './shared-network.js';

/** PodMembership is the pod sandbox a container joins (a runsc sub-container), from its annotations. */
export type PodMembership = NonNullable<ReturnType<typeof podSandboxOf>>;

/**
 * checkEgressEnforceable fails create, before anything runs, for a profile msb cannot enforce
 * for this container (docs/egress.md): a container must never run wider open than its profile.
 * Enforcement ties nft rules to the container's host-side veths once they exist: inside create
 * where Docker sets the network up in its libnetwork-setkey hook (Docker ≤ 27), at start where
 * it does so between create and start (Docker 28+). A pod's later containers share the first
 * one's network. Bandwidth is shaped with tc (egress/bandwidth.ts), which has no one-time burst.
 */
function checkEgressEnforceable(ctx: BackendContext, pod: boolean): void {
  const egress = ctx.egress;
  if (!egress.enforced) return;
  const why = (reason: string): MsbError =>
    new MsbError(
      'unsupported',
      `gvisor: egress profile "${egress.name}" cannot be enforced for this container by this msb build: ${reason}; choose isolation krun or profile allow-all (policy ${ctx.policy.source})`,
    );
  if (pod) throw why("it joins a pod sandbox, whose network the pod's first container owns");
  // msb's one-time burst is a bucket that never refills (Firecracker's one_time_burst); tc's
  // token bucket filter has no such thing, and a deeper bucket would refill: refused, not widened.
  if (egress.egressBandwidthBurst !== undefined)
    throw why(`egressBandwidthBurst ${egress.egressBandwidthBurst} (a one-time burst) has no tc equivalent for gVisor`);
  findNft();
  if (egress.egressBandwidth !== undefined) findTc();
}

/**
 * checkGvisorContainer runs gVisor's refusals that need no runsc: the host's network, a pod
 * sandbox that does not exist, an egress profile msb cannot enforce, a network namespace another
 * sandbox serves, a pod container's terminal, --preserve-fds. Returns the pod the container joins.
 */
export function checkGvisorContainer(ctx: BackendContext): PodMembership | undefined {
  checkNetworkNamespace(ctx.spec, 'gvisor');
  checkPodSandbox(ctx.spec, runscRootOf(ctx.paths.stateDir));
  // A container joining a pod's sandbox (a runsc sub-container) gets its stdio at runsc start,
  // from its keeper (pod-container.ts); a console would have to reach the shim at create.
  const pod = podSandboxOf(ctx.spec);
  checkEgressEnforceable(ctx, pod !== undefined);
  if (!pod) checkNetworkNamespaceUnserved(ctx.spec);
  if (pod && ctx.spec.process?.terminal) {
    throw new MsbError(
      'unsupported',
      `gvisor: a container joining pod sandbox ${pod.id} cannot have a terminal (tty: true) under msb: runsc makes a sub-container's console only at start, after the runc shim waited for it at create`,
    );
  }
  if (ctx.preserveFds > 0) {
    throw new MsbError('unsupported', `gvisor: --preserve-fds ${ctx.preserveFds} is not supported: runsc cannot pass extra descriptors into the sandbox`);
  }
  return pod;
}
