import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostResolvers } from '../../dns/host-resolvers.js';
import { type ContainerDns, DNS_AT_START_FILE, finishContainerDns, writeUpstreamResolvConf } from '../../dns/container-dns.js';
import { hasNetworkHook } from '../../dns/network-timing.js';
import { addNetworkSnapshotHook, NETWORK_SNAPSHOT_DIR } from '../../dns/network-snapshot-hook.js';
import { readPid } from '../../dns/relay-registration-step.js';
import { takeOverResolvConf } from '../../dns/rewrite-resolv-conf.js';
import { EGRESS_AT_START_FILE, enforceEgress, removeEgress } from '../../egress/host-enforcement.js';
import { findNft } from '../../egress/nft.js';
import { findTc } from '../../egress/tc.js';
import { MsbError } from '../../base/errors.js';
import { containerPaths } from '../../base/paths.js';
import { shQuoteAll } from '../../base/shell-quote.js';
import { writeFileAtomic } from '../../base/record.js';
import { withSystemErrors } from '../../base/system-error.js';
import { which } from '../../base/which.js';
import type { Backend, BackendContext, CreateRequest, PreparedContainer } from '../backend.js';
import { runcCreateCommand, runRuncCreateCommand, type RuncCreateCommand } from '../runc-create.js';
import { prepareHostSockets } from './host-socket-setup.js';
import type { GvisorCgroup } from './gvisor-update.js';
import { gvisorCheckpointing, runThroughLauncher } from './gvisor-checkpoint.js';
import { gvisorLauncher, rmemWorkaroundPrefix } from './launcher.js';
import { requireKvmPlatform } from './kvm-platform.js';
import { rewritePidsLimit } from './pids-limit.js';
import { decideRawSockets } from './raw-sockets.js';
import { checkSysctls } from './sysctls.js';
import { checkNetworkNamespace } from '../network-namespace.js';
import { choosePlatform, platformReason } from './platform.js';
import { checkPodSandbox } from './pod-sandbox.js';
import { podSandboxOf } from '../pod-annotations.js';
import { bringLoopbackUp, needsLoopbackUp } from './loopback.js';
import { checkNetworkNamespaceUnserved } from './shared-network.js';
import { POD_KEEPER_PID, POD_KEEPER_SCRIPT, POD_START_FIFO, POD_STARTED_FIFO, podKeeperScript, startPodKeeper } from './pod-container.js';
import { decideRmemWorkaround, probeKernelNamespacesRmem } from './rmem-quirk.js';
import { reapOrphanSandboxes } from './orphan-sandboxes.js';
import { decideRootfsWrites } from './rootfs-writes.js';
import { runscCleanup, stopBackend } from './runsc-cleanup.js';
import { probeRunscVersion } from './runsc-version.js';

/** runscRootOf is runsc's own state root, beside msb's records. */
export function runscRootOf(stateDir: string): string {
  return join(stateDir, 'runsc');
}

/** hasRecord: msb knows the id (an id msb would refuse counts as known: never touched). */
function hasRecord(root: string, id: string): boolean {
  try {
    return existsSync(containerPaths(root, id).dir);
  } catch {
    return true;
  }
}

function required(command: string, why: string): string {
  const path = which(command);
  if (!path) throw new MsbError('host-unsupported', `gvisor: ${command} not found on PATH; it is needed ${why}`);
  return path;
}

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
    new MsbError('unsupported', `gvisor: egress profile "${egress.name}" cannot be enforced for this container by this msb build: ${reason}; choose isolation krun or profile allow-all (policy ${ctx.policy.source})`);
  if (pod) throw why('it joins a pod sandbox, whose network the pod\'s first container owns');
  // msb's one-time burst is a bucket that never refills (Firecracker's one_time_burst); tc's
  // token bucket filter has no such thing, and a deeper bucket would refill: refused, not widened.
  if (egress.egressBandwidthBurst !== undefined) throw why(`egressBandwidthBurst ${egress.egressBandwidthBurst} (a one-time burst) has no tc equivalent for gVisor`);
  findNft();
  if (egress.egressBandwidth !== undefined) findTc();
}

function prepareGvisor(ctx: BackendContext): PreparedContainer {
  const { policy, paths } = ctx;
  checkNetworkNamespace(ctx.spec, 'gvisor');
  checkPodSandbox(ctx.spec, runscRootOf(paths.stateDir));
  // A container joining a pod's sandbox (a runsc sub-container) gets its stdio at runsc start,
  // from its keeper (pod-container.ts); a console would have to reach the shim at create.
  const pod = podSandboxOf(ctx.spec);
  checkEgressEnforceable(ctx, pod !== undefined);
  if (!pod) checkNetworkNamespaceUnserved(ctx.spec);
  if (pod && ctx.spec.process?.terminal) {
    throw new MsbError('unsupported', `gvisor: a container joining pod sandbox ${pod.id} cannot have a terminal (tty: true) under msb: runsc makes a sub-container's console only at start, after the runc shim waited for it at create`);
  }
  if (ctx.preserveFds > 0) {
    throw new MsbError('unsupported', `gvisor: --preserve-fds ${ctx.preserveFds} is not supported: runsc cannot pass extra descriptors into the sandbox`);
  }
  const runsc = which(policy.gvisor.runsc);
  if (!runsc) {
    throw new MsbError(
      'host-unsupported',
      `gvisor: runsc not found (policy gvisor.runsc=${JSON.stringify(policy.gvisor.runsc)}, PATH=${process.env.PATH ?? ''}); install runsc or set gvisor.runsc in ${policy.source}`,
    );
  }
  const version = probeRunscVersion(runsc, paths.cacheDir);
  checkSysctls(ctx.spec, version);
  const platform = choosePlatform(policy.gvisor.platform, version);
  const kvmNote = requireKvmPlatform(platform, policy.gvisor.kvmHostCheck, policy.source);
  if (kvmNote) ctx.debug(kvmNote);
  const rmem = decideRmemWorkaround(policy.gvisor.rmemWorkaround, version, () =>
    probeKernelNamespacesRmem(paths.cacheDir, required('unshare', 'to probe the kernel for the rmem_default quirk')),
  );
  ctx.debug(`gvisor: runsc ${runsc} (${version.raw}), platform ${platform}; rmem_default workaround ${rmem.apply ? 'applied' : 'not needed'}: ${rmem.reason}`);

  const runscRoot = runscRootOf(paths.stateDir);
  const rootfs = decideRootfsWrites(policy, ctx.spec.annotations, version);
  ctx.debug(`gvisor: rootfs writes ${rootfs.mode} (runsc ${rootfs.flag}): ${rootfs.reason}`);
  const runscArgs = ['--root', runscRoot, `--platform=${platform}`, rootfs.flag];
  // Docker's systemd cgroup driver writes cgroupsPath as slice:prefix:name, which only a
  // runtime in systemd mode reads correctly; runsc has the same flag.
  if (ctx.runtime.systemdCgroup) runscArgs.push('--systemd-cgroup');
  const raw = decideRawSockets(policy.gvisor.rawSockets, ctx.spec);
  if (raw.netRaw) runscArgs.push('--net-raw');
  ctx.debug(`gvisor: raw sockets ${raw.netRaw ? 'on (runsc --net-raw)' : 'off'}: ${raw.reason}`);
  const sockets = prepareHostSockets(ctx, runsc, version);
  runscArgs.push(...sockets.runscArgs);
  const resolv = takeOverResolvConf(sockets.spec, join(paths.dir, 'resolv.conf'));
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
  if (ctx.restoring && ctx.egress.enforced) throw new MsbError('unsupported', `gvisor: a container with egress profile "${ctx.egress.name}" cannot be restored from a checkpoint by this msb build: the restored workload would run before its egress rules are in`);
  const dns = (pid: number | undefined): ContainerDns | undefined =>
    resolv && { id: ctx.id, dir: paths.dir, pid, dockerResolvConf: resolv.dockerSource, generatedPath: resolv.generatedPath, upstreams, policy: policy.dns, ...(netSnapshot ? { netDir: netSnapshot } : {}) };
  let pidFile: string | undefined;
  const afterCreate = (): void => {
    const sandboxPid = readPid(pidFile);
    if (!pod && sandboxPid !== undefined && needsLoopbackUp(ctx.spec)) {
      const lo = bringLoopbackUp(sandboxPid);
      if (lo.failed) throw new MsbError('backend', `gvisor: cannot bring the loopback interface up in the container's network namespace: ${lo.failed}`);
      if (lo.missing) ctx.debug(`gvisor: ${lo.missing} not found, so lo stays as the caller left it (Docker and CNI bring it up; ctr without CNI does not)`);
    }
    // Egress before DNS: the relay reads the container's egress.json when it registers it, and
    // the rules are in before start runs the workload.
    if (ctx.egress.enforced) {
      if (sandboxPid === undefined) throw new MsbError('backend', `gvisor: egress profile "${ctx.egress.name}": runsc create wrote no pid file, so the container's network cannot be found to enforce it`);
      if (egressAtStart) {
        // Docker 28+: the veths appear between create and start; start installs the rules before runsc start.
        writeFileAtomic(join(paths.dir, EGRESS_AT_START_FILE), `${JSON.stringify({ profile: ctx.egress, pid: sandboxPid })}\n`, 0o600);
        ctx.debug(`egress: no libnetwork-setkey hook in the spec, so Docker sets the network up after create; profile ${ctx.egress.name} is installed at start, before runsc start`);
      } else {
        enforceEgress(paths.dir, ctx.egress, sandboxPid, ctx.debug);
      }
    }
    const c = dns(sandboxPid);
    if (!c) return;
    // A restore is create and start in one call (containerd runs it at start), so the network is
    // up by then on every Docker and there is no later start to finish the DNS.
    if (dnsAtStart && !ctx.restoring) {
      writeFileAtomic(join(paths.dir, DNS_AT_START_FILE), `${JSON.stringify(c)}\n`, 0o600);
      ctx.debug('dns: no libnetwork-setkey hook in the spec, so Docker sets the network up after create; resolv.conf and the relay registration are finished at start');
    } else {
      finishContainerDns(c, ctx.debug);
    }
  };
  if (resolv) ctx.debug(`gvisor: /etc/resolv.conf comes from ${resolv.generatedPath} (Docker's ${resolv.dockerSource} may name 127.0.0.11, which the sandbox cannot reach)`);

  const cgroup: GvisorCgroup = { path: typeof ctx.spec.linux?.cgroupsPath === 'string' ? ctx.spec.linux.cgroupsPath : undefined, systemd: ctx.runtime.systemdCgroup };
  const pids = rewritePidsLimit(resolv?.spec ?? sockets.spec);
  if (pids.userLimit !== undefined) ctx.debug(`gvisor: --pids-limit ${pids.userLimit}: RLIMIT_NPROC ${pids.userLimit} inside the sandbox, host pids.max ${pids.hostLimit} (the sandbox's own threads count there; docs/gvisor.md)`);
  const rmemWorkaround = rmem.apply
    ? { unshare: required('unshare', 'for the rmem_default workaround'), mount: required('mount', 'for the rmem_default workaround'), reason: rmem.reason }
    : undefined;
  const launcher = gvisorLauncher({
    id: ctx.id,
    bundle: ctx.bundle,
    runsc,
    runscArgs,
    root: ctx.runtime.root,
    pidsLimit: pids.userLimit !== undefined,
    ownedDirs: sockets.ownedDirs,
    rmemWorkaround,
    podKeeperDir: pod ? paths.dir : undefined,
    dnsAtStart: dnsAtStart && resolv ? { dockerResolvConf: resolv.dockerSource, generatedPath: resolv.generatedPath } : undefined,
    egressAtStart,
  });

  // Written before runsc create: delete --force and create's failure path stop what runsc started.
  const cleanup = runscCleanup({ id: ctx.id, bundle: ctx.bundle, runsc, runscArgs, runscRoot });
  const timeoutSeconds = policy.gvisor.createTimeoutSeconds;
  const runscWithLog = shQuoteAll([runsc, ...runscArgs, ...ctx.runtime.logArgs]);
  const keeper = pod && podKeeperScript({
    id: ctx.id,
    dir: paths.dir,
    runscRoot,
    runsc: runscWithLog,
    runscQuirk: rmemWorkaround && `${rmemWorkaroundPrefix(rmemWorkaround)} ${runscWithLog}`,
  });

  // runsc create itself, after the sweep of what a create killed from outside left (its record
  // gone, its sandbox running). afterCreate reads the pid file this names.
  const beginCreate = (req: CreateRequest): RuncCreateCommand => {
    pidFile = req.pidFile;
    const orphans = reapOrphanSandboxes({ runsc, runscArgs, runscRoot, hasRecord: (id) => id === ctx.id || hasRecord(ctx.runtime.root, id) });
    if (orphans.reaped.length > 0) ctx.debug(`gvisor: stopped the sandboxes of ${orphans.reaped.join(', ')}, which msb had no record of (a create killed from outside)`);
    if (orphans.failed.length > 0) ctx.debug(`gvisor: could not stop the orphan sandboxes of ${orphans.failed.join(', ')}`);
    const timeoutHint = `policy gvisor.createTimeoutSeconds in ${policy.source}${platform === 'kvm' ? '; platform kvm may never finish on this host' : ''}`;
    return runcCreateCommand({ backend: 'gvisor', binary: runsc, globalArgs: runscArgs, stateRoot: runscRoot, timeoutMs: timeoutSeconds * 1000, timeoutHint }, ctx.runtime, req);
  };

  return {
    spec: netSnapshot ? addNetworkSnapshotHook(pids.spec, netSnapshot) : pids.spec,
    writeFiles(): void {
      writeFileSync(paths.cleanup, cleanup, { mode: 0o600 });
      if (keeper) {
        writeFileSync(join(paths.dir, POD_KEEPER_SCRIPT), keeper, { mode: 0o600 });
        for (const fifo of [POD_START_FIFO, POD_STARTED_FIFO]) {
          const r = spawnSync(required('mkfifo', 'for a pod container'), ['-m', '600', join(paths.dir, fifo)], { encoding: 'utf8' });
          if (r.status !== 0) throw new MsbError('internal', `gvisor: mkfifo ${join(paths.dir, fifo)} failed: ${r.stderr.trim() || r.error?.message}`);
        }
      }
      sockets.writeFiles();
      const c = dns(undefined);
      if (c) writeUpstreamResolvConf(c);
    },
    afterCreate,
    launcher,
    controlSockets: sockets.controlSockets,
    summary: { ...(pod ? { podSandbox: pod.id } : {}), runsc, runscVersion: version.raw, platform, platformReason: platformReason(policy.gvisor.platform, version), rootfsWrites: rootfs, runscRoot, runscArgs, rmemWorkaround: rmem, rawSockets: raw, hostSockets: sockets.summary, cgroup, pids: { user: pids.userLimit, host: pids.hostLimit } },
    ...(pod ? {} : { beginCreate }),
    create(req: CreateRequest): number {
      const status = runRuncCreateCommand(beginCreate(req));
      if (status !== 0 || !pod) return status;
      // runsc wrote the sandbox's pid, which outlives this container: the keeper stands for it.
      const pid = startPodKeeper(paths.dir, runscRoot, ctx.id);
      writeFileAtomic(join(paths.dir, POD_KEEPER_PID), `${pid}\n`);
      if (req.pidFile) writeFileSync(req.pidFile, String(pid));
      ctx.debug(`gvisor: container joins pod sandbox ${pod.id} as a runsc sub-container; its keeper is pid ${pid}`);
      return 0;
    },
    restore(req: CreateRequest, args: readonly string[]): number {
      pidFile = req.pidFile;
      withSystemErrors(`gvisor: cannot create the state directory ${runscRoot}`, () => mkdirSync(runscRoot, { recursive: true, mode: 0o700 }));
      const own = ['--bundle', req.bundle, ...(req.pidFile ? ['--pid-file', req.pidFile] : []), ...(req.consoleSocket ? ['--console-socket', req.consoleSocket] : [])];
      return runThroughLauncher(paths.launcher, ctx.runtime, ['restore', ...args, ...own, req.id]);
    },
    destroy(): boolean {
      // The same sh as delete --force: SIGKILL runsc create, gofer and sandbox, then runsc's files.
      const failure = stopBackend(cleanup);
      sockets.remove();
      if (ctx.egress.enforced) {
        const left = removeEgress(paths.dir);
        if (left) ctx.debug(`gvisor: egress rules of the failed create not removed: ${left}`);
      }
      if (failure === undefined) return true;
      ctx.debug(`gvisor: cleanup after the failed create: ${failure}; the record keeps cleanup.sh for delete --force`);
      return false;
    },
  };
}

/** gvisorBackend runs containers under runsc with msb's own runsc state root. */
export const gvisorBackend: Backend = { name: 'gvisor', prepare: prepareGvisor, checkpointing: gvisorCheckpointing };
