import { join } from 'node:path';
import { hostResolvers } from '../../dns/host-resolvers.js';
import { type ContainerDns, DNS_AT_START_FILE, finishContainerDns } from '../../dns/container-dns.js';
import { hasNetworkHook } from '../../dns/network-timing.js';
import { NETWORK_SNAPSHOT_DIR } from '../../dns/network-snapshot-hook.js';
import { type ResolvConfTakeover, takeOverResolvConf } from '../../dns/rewrite-resolv-conf.js';
import { EGRESS_AT_START_FILE, enforceEgress } from '../../egress/host-enforcement.js';
import { MsbError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/record.js';
import type { Spec } from '../../base/spec.js';
import type { BackendContext } from '../backend.js';
import { bringLoopbackUp, needsLoopbackUp } from './loopback.js';

/** GvisorNetworkPlan is what prepare decided about a gVisor container's DNS and egress, and when each is finished. */
export interface GvisorNetworkPlan {
  /** msb's resolv.conf in place of Docker's (undefined: the container keeps its own). */
  resolv?: ResolvConfTakeover;
  upstreams: readonly string[];
  /** Docker sets the network up after create (Docker 28+): DNS is finished at start. */
  dnsAtStart: boolean;
  /** The same for the egress rules. */
  egressAtStart: boolean;
  /** A restore's copy of the network namespace's addresses, for the relay registration. */
  netSnapshot?: string;
}

/**
 * planGvisorNetwork takes /etc/resolv.conf over (the sandbox cannot reach Docker's 127.0.0.11)
 * and decides whether DNS and egress are finished at create or at start. A restore with an
 * enforced egress profile is refused here, before anything is made.
 */
export function planGvisorNetwork(ctx: BackendContext, spec: Spec): GvisorNetworkPlan {
  const { policy, paths } = ctx;
  const resolv = takeOverResolvConf(spec, join(paths.dir, 'resolv.conf'));
  const upstreams = !resolv ? [] : policy.dns.upstreams.length > 0 ? policy.dns.upstreams : hostResolvers();
  // Docker ≤ 27 sets the network up inside create (its libnetwork-setkey hook); Docker 28 does it
  // between create and start, so the DNS work waits for start there (docs/dns.md).
  const dnsAtStart = resolv !== undefined && !hasNetworkHook(ctx.spec);
  // The same for egress: a new network namespace without the hook gets its veths after create.
  const egressAtStart = ctx.egress.enforced && !hasNetworkHook(ctx.spec) && (ctx.spec.linux?.namespaces ?? []).some((n) => n.type === 'network' && !n.path);
  // runsc restore creates and starts the sandbox in one call, and starting moves the netns's
  // addresses into the sandbox: a hook after Docker's network hook copies them for the registration.
  const netSnapshot = resolv && ctx.restoring ? join(paths.dir, NETWORK_SNAPSHOT_DIR) : undefined;
  // runsc restore runs the workload at once, before afterCreate could tie the rules to the veth:
  // refused while planning, so nothing is made.
  if (ctx.restoring && ctx.egress.enforced)
    throw new MsbError(
      'unsupported',
      `gvisor: a container with egress profile "${ctx.egress.name}" cannot be restored from a checkpoint by this msb build: the restored workload would run before its egress rules are in`,
    );
  if (resolv)
    ctx.debug(
      `gvisor: /etc/resolv.conf comes from ${resolv.generatedPath} (Docker's ${resolv.dockerSource} may name 127.0.0.11, which the sandbox cannot reach)`,
    );
  return { resolv, upstreams, dnsAtStart, egressAtStart, netSnapshot };
}

/** containerDnsOf is the relay registration of the container whose sandbox is `pid` (undefined: msb does not serve its DNS). */
export function containerDnsOf(ctx: BackendContext, net: GvisorNetworkPlan, pid: number | undefined): ContainerDns | undefined {
  const { resolv } = net;
  if (!resolv) return undefined;
  return {
    id: ctx.id,
    dir: ctx.paths.dir,
    pid,
    dockerResolvConf: resolv.dockerSource,
    generatedPath: resolv.generatedPath,
    upstreams: net.upstreams,
    policy: ctx.policy.dns,
    ...(net.netSnapshot ? { netDir: net.netSnapshot } : {}),
  };
}

/**
 * finishNetworkAfterCreate runs once runsc created the sandbox `sandboxPid` (from create's pid
 * file): loopback up where the caller left it down, then egress, then DNS, each now or recorded
 * for start (Docker 28+). A pod's container shares the first one's network and skips loopback.
 */
export function finishNetworkAfterCreate(ctx: BackendContext, net: GvisorNetworkPlan, inPod: boolean, sandboxPid: number | undefined): void {
  const { paths } = ctx;
  if (!inPod && sandboxPid !== undefined && needsLoopbackUp(ctx.spec)) {
    const lo = bringLoopbackUp(sandboxPid);
    if (lo.failed) throw new MsbError('backend', `gvisor: cannot bring the loopback interface up in the container's network namespace: ${lo.failed}`);
    if (lo.missing) ctx.debug(`gvisor: ${lo.missing} not found, so lo stays as the caller left it (Docker and CNI bring it up; ctr without CNI does not)`);
  }
  // Egress before DNS: the relay reads the container's egress.json when it registers it, and
  // the rules are in before start runs the workload.
  if (ctx.egress.enforced) {
    if (sandboxPid === undefined)
      throw new MsbError(
        'backend',
        `gvisor: egress profile "${ctx.egress.name}": runsc create wrote no pid file, so the container's network cannot be found to enforce it`,
      );
    if (net.egressAtStart) {
      // Docker 28+: the veths appear between create and start; start installs the rules before runsc start.
      writeFileAtomic(join(paths.dir, EGRESS_AT_START_FILE), `${JSON.stringify({ profile: ctx.egress, pid: sandboxPid })}\n`, 0o600);
      ctx.debug(
        `egress: no libnetwork-setkey hook in the spec, so Docker sets the network up after create; profile ${ctx.egress.name} is installed at start, before runsc start`,
      );
    } else {
      enforceEgress(paths.dir, ctx.egress, sandboxPid, ctx.debug);
    }
  }
  const c = containerDnsOf(ctx, net, sandboxPid);
  if (!c) return;
  // A restore is create and start in one call (containerd runs it at start), so the network is
  // up by then on every Docker and there is no later start to finish the DNS.
  if (net.dnsAtStart && !ctx.restoring) {
    writeFileAtomic(join(paths.dir, DNS_AT_START_FILE), `${JSON.stringify(c)}\n`, 0o600);
    ctx.debug(
      'dns: no libnetwork-setkey hook in the spec, so Docker sets the network up after create; resolv.conf and the relay registration are finished at start',
    );
  } else {
    finishContainerDns(c, ctx.debug);
  }
}
