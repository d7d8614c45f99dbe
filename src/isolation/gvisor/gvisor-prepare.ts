import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeUpstreamResolvConf } from '../../dns/container-dns.js';
import { addNetworkSnapshotHook } from '../../dns/network-snapshot-hook.js';
import { readPid } from '../../dns/relay-registration-step.js';
import { removeEgress } from '../../egress/host-enforcement.js';
import { MsbError } from '../../base/errors.js';
import { containerPaths } from '../../base/paths.js';
import { shQuoteAll } from '../../base/shell-quote.js';
import { writeFileAtomic } from '../../base/record.js';
import { withSystemErrors } from '../../base/system-error.js';
import type { BackendContext, CreateRequest, PreparedContainer } from '../backend.js';
import { runcCreateCommand, runRuncCreateCommand, type RuncCreateCommand } from '../runc-create.js';
import { checkGvisorContainer, type PodMembership } from './gvisor-checks.js';
import { runThroughLauncher } from './run-through-launcher.js';
import { containerDnsOf, finishNetworkAfterCreate, type GvisorNetworkPlan, planGvisorNetwork } from './gvisor-network.js';
import type { GvisorSummary } from './gvisor-summary.js';
import type { GvisorCgroup } from './gvisor-update.js';
import { type HostSocketSetup, prepareHostSockets } from './host-socket-setup.js';
import { gvisorLauncher, rmemWorkaroundPrefix } from './launcher.js';
import { reapOrphanSandboxes } from './orphan-sandboxes.js';
import { rewritePidsLimit } from './pids-limit.js';
import { platformReason } from './platform.js';
import { POD_KEEPER_PID, POD_KEEPER_SCRIPT, POD_START_FIFO, POD_STARTED_FIFO, podKeeperScript, startPodKeeper } from './pod-container.js';
import { type RunscPlan, planRunsc, requiredTool } from './runsc-plan.js';
import { runscCleanup, stopBackend } from './runsc-cleanup.js';

/**
 * GvisorContainer is everything prepare decided for one gVisor container. The prepared
 * container's steps below read it and nothing else, so none depends on another having run.
 */
interface GvisorContainer {
  ctx: BackendContext;
  pod?: PodMembership;
  runsc: RunscPlan;
  /** runsc's global flags for every command of this container, the host-socket flags included. */
  runscArgs: string[];
  sockets: HostSocketSetup;
  net: GvisorNetworkPlan;
  /** The sh that stops what runsc create started (delete --force and a failed create run it). */
  cleanup: string;
  /** A pod container's keeper script (pod-container.ts). */
  keeper?: string;
}

/** hasRecord: msb knows the id (an id msb would refuse counts as known: never touched). */
function hasRecord(root: string, id: string): boolean {
  try {
    return existsSync(containerPaths(root, id).dir);
  } catch {
    return true;
  }
}

/** writeGvisorFiles writes the container's files under its record directory, before runsc runs. */
function writeGvisorFiles(c: GvisorContainer): void {
  const { paths } = c.ctx;
  writeFileSync(paths.cleanup, c.cleanup, { mode: 0o600 });
  if (c.keeper) {
    writeFileSync(join(paths.dir, POD_KEEPER_SCRIPT), c.keeper, { mode: 0o600 });
    for (const fifo of [POD_START_FIFO, POD_STARTED_FIFO]) {
      const r = spawnSync(requiredTool('mkfifo', 'for a pod container'), ['-m', '600', join(paths.dir, fifo)], { encoding: 'utf8' });
      if (r.status !== 0) throw new MsbError('internal', `gvisor: mkfifo ${join(paths.dir, fifo)} failed: ${r.stderr.trim() || r.error?.message}`);
    }
  }
  c.sockets.writeFiles();
  const dns = containerDnsOf(c.ctx, c.net, undefined);
  if (dns) writeUpstreamResolvConf(dns);
}

/**
 * beginRunscCreate sweeps what a create killed from outside left (its record gone, its sandbox
 * running) and returns runsc create itself. afterCreate reads the pid file the request names.
 */
function beginRunscCreate(c: GvisorContainer, req: CreateRequest): RuncCreateCommand {
  const { ctx } = c;
  const { runsc, runscRoot, platform } = c.runsc;
  const orphans = reapOrphanSandboxes({ runsc, runscArgs: c.runscArgs, runscRoot, hasRecord: (id) => id === ctx.id || hasRecord(ctx.runtime.root, id) });
  if (orphans.reaped.length > 0)
    ctx.debug(`gvisor: stopped the sandboxes of ${orphans.reaped.join(', ')}, which msb had no record of (a create killed from outside)`);
  if (orphans.failed.length > 0) ctx.debug(`gvisor: could not stop the orphan sandboxes of ${orphans.failed.join(', ')}`);
  const timeoutHint = `policy gvisor.createTimeoutSeconds in ${ctx.policy.source}${platform === 'kvm' ? '; platform kvm may never finish on this host' : ''}`;
  return runcCreateCommand(
    { backend: 'gvisor', binary: runsc, globalArgs: c.runscArgs, stateRoot: runscRoot, timeoutMs: ctx.policy.gvisor.createTimeoutSeconds * 1000, timeoutHint },
    ctx.runtime,
    req,
  );
}

/** createGvisor runs runsc create; a pod's container then gets its keeper, which stands for it in the pid file. */
function createGvisor(c: GvisorContainer, req: CreateRequest): number {
  const status = runRuncCreateCommand(beginRunscCreate(c, req));
  if (status !== 0 || !c.pod) return status;
  const { ctx } = c;
  // runsc wrote the sandbox's pid, which outlives this container: the keeper stands for it.
  const pid = startPodKeeper(ctx.paths.dir, c.runsc.runscRoot, ctx.id);
  writeFileAtomic(join(ctx.paths.dir, POD_KEEPER_PID), `${pid}\n`);
  if (req.pidFile) writeFileSync(req.pidFile, String(pid));
  ctx.debug(`gvisor: container joins pod sandbox ${c.pod.id} as a runsc sub-container; its keeper is pid ${pid}`);
  return 0;
}

/** restoreGvisor runs runsc restore through the container's launcher (its rmem_default workaround included). */
function restoreGvisor(c: GvisorContainer, req: CreateRequest, args: readonly string[]): number {
  const { runscRoot } = c.runsc;
  withSystemErrors(`gvisor: cannot create the state directory ${runscRoot}`, () => mkdirSync(runscRoot, { recursive: true, mode: 0o700 }));
  const own = [
    '--bundle',
    req.bundle,
    ...(req.pidFile ? ['--pid-file', req.pidFile] : []),
    ...(req.consoleSocket ? ['--console-socket', req.consoleSocket] : []),
  ];
  return runThroughLauncher(c.ctx.paths.launcher, c.ctx.runtime, ['restore', ...args, ...own, req.id]);
}

/** destroyGvisor is the same sh as delete --force (SIGKILL runsc create, gofer and sandbox, then runsc's files), then msb's own. */
function destroyGvisor(c: GvisorContainer): boolean {
  const { ctx } = c;
  const failure = stopBackend(c.cleanup);
  c.sockets.remove();
  if (ctx.egress.enforced) {
    const left = removeEgress(ctx.paths.dir);
    if (left) ctx.debug(`gvisor: egress rules of the failed create not removed: ${left}`);
  }
  if (failure === undefined) return true;
  ctx.debug(`gvisor: cleanup after the failed create: ${failure}; the record keeps cleanup.sh for delete --force`);
  return false;
}

/**
 * prepareGvisor plans a container under runsc: gVisor's refusals, runsc and its flags, host
 * sockets, DNS and egress, the pids split, then the launcher, the cleanup and a pod's keeper.
 * Nothing is written or run until the returned container's steps are called.
 */
export function prepareGvisor(ctx: BackendContext): PreparedContainer<GvisorSummary> {
  const { policy, paths } = ctx;
  const pod = checkGvisorContainer(ctx);
  const runsc = planRunsc(ctx);
  const sockets = prepareHostSockets(ctx, runsc.runsc, runsc.version);
  const runscArgs = [...runsc.runscArgs, ...sockets.runscArgs];
  const net = planGvisorNetwork(ctx, sockets.spec);

  const cgroup: GvisorCgroup = {
    path: typeof ctx.spec.linux?.cgroupsPath === 'string' ? ctx.spec.linux.cgroupsPath : undefined,
    systemd: ctx.runtime.systemdCgroup,
  };
  const pids = rewritePidsLimit(net.resolv?.spec ?? sockets.spec);
  if (pids.userLimit !== undefined)
    ctx.debug(
      `gvisor: --pids-limit ${pids.userLimit}: RLIMIT_NPROC ${pids.userLimit} inside the sandbox, host pids.max ${pids.hostLimit} (the sandbox's own threads count there; docs/gvisor.md)`,
    );
  const rmemWorkaround = runsc.rmem.apply
    ? {
        unshare: requiredTool('unshare', 'for the rmem_default workaround'),
        mount: requiredTool('mount', 'for the rmem_default workaround'),
        reason: runsc.rmem.reason,
      }
    : undefined;
  const { resolv } = net;
  const launcher = gvisorLauncher({
    id: ctx.id,
    bundle: ctx.bundle,
    runsc: runsc.runsc,
    runscArgs,
    root: ctx.runtime.root,
    pidsLimit: pids.userLimit !== undefined,
    ownedDirs: sockets.ownedDirs,
    rmemWorkaround,
    podKeeperDir: pod ? paths.dir : undefined,
    dnsAtStart: net.dnsAtStart && resolv ? { dockerResolvConf: resolv.dockerSource, generatedPath: resolv.generatedPath } : undefined,
    egressAtStart: net.egressAtStart,
  });

  // Written before runsc create: delete --force and create's failure path stop what runsc started.
  const cleanup = runscCleanup({ id: ctx.id, bundle: ctx.bundle, runsc: runsc.runsc, runscArgs, runscRoot: runsc.runscRoot });
  const runscWithLog = shQuoteAll([runsc.runsc, ...runscArgs, ...ctx.runtime.logArgs]);
  const keeper = pod
    ? podKeeperScript({
        id: ctx.id,
        dir: paths.dir,
        runscRoot: runsc.runscRoot,
        runsc: runscWithLog,
        runscQuirk: rmemWorkaround && `${rmemWorkaroundPrefix(rmemWorkaround)} ${runscWithLog}`,
      })
    : undefined;
  const c: GvisorContainer = { ctx, pod, runsc, runscArgs, sockets, net, cleanup, keeper };

  return {
    spec: net.netSnapshot ? addNetworkSnapshotHook(pids.spec, net.netSnapshot) : pids.spec,
    writeFiles: () => writeGvisorFiles(c),
    // The request names the pid file runsc create (or restore) wrote the sandbox's pid to.
    afterCreate: (req) => finishNetworkAfterCreate(ctx, net, pod !== undefined, readPid(req.pidFile)),
    launcher,
    controlSockets: sockets.controlSockets,
    summary: {
      ...(pod ? { podSandbox: pod.id } : {}),
      runsc: runsc.runsc,
      runscVersion: runsc.version.raw,
      platform: runsc.platform,
      platformReason: platformReason(policy.gvisor.platform, runsc.version),
      rootfsWrites: runsc.rootfs,
      runscRoot: runsc.runscRoot,
      runscArgs,
      rmemWorkaround: runsc.rmem,
      rawSockets: runsc.raw,
      hostSockets: sockets.summary,
      cgroup,
      pids: { user: pids.userLimit, host: pids.hostLimit },
    },
    // A pod's container is more than runsc create (its keeper follows): no one-command create.
    ...(pod ? {} : { beginCreate: (req: CreateRequest) => beginRunscCreate(c, req) }),
    create: (req) => createGvisor(c, req),
    restore: (req, args) => restoreGvisor(c, req, args),
    destroy: () => destroyGvisor(c),
  };
}
