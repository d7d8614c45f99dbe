import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostResolvers } from '../../dns/host-resolvers.js';
import { type ContainerDns, DNS_AT_START_FILE, finishContainerDns, writeUpstreamResolvConf } from '../../dns/container-dns.js';
import { hasNetworkHook } from '../../dns/network-timing.js';
import { readPid } from '../../dns/relay-registration-step.js';
import { takeOverResolvConf } from '../../dns/rewrite-resolv-conf.js';
import type { EgressProfile } from '../../egress/profiles.js';
import { MsbError } from '../../oci/errors.js';
import { writeFileAtomic } from '../../oci/record.js';
import { which } from '../../oci/which.js';
import type { Backend, BackendContext, CreateRequest, PreparedContainer } from '../backend.js';
import { runRuncCreate } from '../runc-create.js';
import { prepareHostSockets } from './host-socket-setup.js';
import type { GvisorCgroup } from './gvisor-update.js';
import { gvisorLauncher } from './launcher.js';
import { requireKvmPlatform } from './kvm-platform.js';
import { rewritePidsLimit } from './pids-limit.js';
import { decideRawSockets } from './raw-sockets.js';
import { checkSysctls } from './sysctls.js';
import { checkNetworkNamespace } from './network-namespace.js';
import { choosePlatform } from './platform.js';
import { checkPodSandbox } from './pod-sandbox.js';
import { decideRmemWorkaround, probeKernelNamespacesRmem } from './rmem-quirk.js';
import { runscCleanup } from './runsc-cleanup.js';
import { probeRunscVersion } from './runsc-version.js';

/** runscRootOf is runsc's own state root, beside msb's records. */
export function runscRootOf(stateDir: string): string {
  return join(stateDir, 'runsc');
}

function required(command: string, why: string): string {
  const path = which(command);
  if (!path) throw new MsbError('host-unsupported', `gvisor: ${command} not found on PATH; it is needed ${why}`);
  return path;
}

/**
 * refuseUnenforcedEgress fails create for a profile other than allow-all: this build does not yet
 * enforce egress for gVisor on the host (nftables + the DNS relay, docs/egress.md), and a
 * container must never run wider open than its profile says.
 */
function refuseUnenforcedEgress(egress: EgressProfile, source: string): void {
  if (!egress.enforced) return;
  throw new MsbError('unsupported', `gvisor: egress profile "${egress.name}" cannot be enforced for gVisor by this msb build yet (only allow-all; krun enforces every profile); choose isolation krun or another profile (policy ${source})`);
}

function prepareGvisor(ctx: BackendContext): PreparedContainer {
  const { policy, paths } = ctx;
  checkNetworkNamespace(ctx.spec);
  refuseUnenforcedEgress(ctx.egress, policy.source);
  checkPodSandbox(ctx.spec, runscRootOf(paths.stateDir));
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
  const runscArgs = ['--root', runscRoot, `--platform=${platform}`];
  // Docker's systemd cgroup driver writes cgroupsPath as slice:prefix:name, which only a
  // runtime in systemd mode reads correctly; runsc has the same flag.
  if (ctx.global.systemdCgroup) runscArgs.push('--systemd-cgroup');
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
  const dns = (pid: number | undefined): ContainerDns | undefined =>
    resolv && { id: ctx.id, dir: paths.dir, pid, dockerResolvConf: resolv.dockerSource, generatedPath: resolv.generatedPath, upstreams, policy: policy.dns };
  let pidFile: string | undefined;
  const afterCreate = (): void => {
    const c = dns(readPid(pidFile));
    if (!c) return;
    if (dnsAtStart) {
      writeFileAtomic(join(paths.dir, DNS_AT_START_FILE), `${JSON.stringify(c)}\n`, 0o600);
      ctx.debug('dns: no libnetwork-setkey hook in the spec, so Docker sets the network up after create; resolv.conf and the relay registration are finished at start');
    } else {
      finishContainerDns(c, ctx.debug);
    }
  };
  if (resolv) ctx.debug(`gvisor: /etc/resolv.conf comes from ${resolv.generatedPath} (Docker's ${resolv.dockerSource} may name 127.0.0.11, which the sandbox cannot reach)`);

  const cgroup: GvisorCgroup = { path: typeof ctx.spec.linux?.cgroupsPath === 'string' ? ctx.spec.linux.cgroupsPath : undefined, systemd: ctx.global.systemdCgroup };
  const pids = rewritePidsLimit(resolv?.spec ?? sockets.spec);
  if (pids.userLimit !== undefined) ctx.debug(`gvisor: --pids-limit ${pids.userLimit}: RLIMIT_NPROC ${pids.userLimit} inside the sandbox, host pids.max ${pids.hostLimit} (the sandbox's own threads count there; docs/gvisor.md)`);
  const launcher = gvisorLauncher({
    id: ctx.id,
    bundle: ctx.bundle,
    runsc,
    runscArgs,
    root: ctx.global.root,
    ownedDirs: sockets.ownedDirs,
    rmemWorkaround: rmem.apply
      ? { unshare: required('unshare', 'for the rmem_default workaround'), mount: required('mount', 'for the rmem_default workaround'), reason: rmem.reason }
      : undefined,
    dnsAtStart: dnsAtStart && resolv ? { dockerResolvConf: resolv.dockerSource, generatedPath: resolv.generatedPath } : undefined,
  });

  // Written before runsc create: delete --force and create's failure path stop what runsc started.
  const cleanup = runscCleanup({ id: ctx.id, bundle: ctx.bundle, runsc, runscArgs, runscRoot });
  const timeoutSeconds = policy.gvisor.createTimeoutSeconds;

  return {
    spec: pids.spec,
    writeFiles(): void {
      writeFileSync(paths.cleanup, cleanup, { mode: 0o600 });
      sockets.writeFiles();
      const c = dns(undefined);
      if (c) writeUpstreamResolvConf(c);
    },
    afterCreate,
    launcher,
    controlSockets: sockets.controlSockets,
    summary: { runsc, runscVersion: version.raw, platform, runscRoot, runscArgs, rmemWorkaround: rmem, rawSockets: raw, hostSockets: sockets.summary, cgroup, pids: { user: pids.userLimit, host: pids.hostLimit } },
    create(req: CreateRequest): number {
      pidFile = req.pidFile;
      const create = { backend: 'gvisor', binary: runsc, globalArgs: runscArgs, stateRoot: runscRoot, timeoutMs: timeoutSeconds * 1000 };
      return runRuncCreate(create, ctx.global, req, `policy gvisor.createTimeoutSeconds in ${policy.source}${platform === 'kvm' ? '; platform kvm may never finish on this host' : ''}`);
    },
    destroy(): void {
      // The same sh as delete --force: SIGKILL runsc create, gofer and sandbox, then runsc's files.
      const r = spawnSync('/bin/sh', ['-c', `${cleanup}\nmsb_stop_backend || { printf '%s\\n' "$msb_stop_error" >&2; exit 1; }`], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
      if (r.status !== 0) ctx.debug(`gvisor: cleanup after the failed create: ${r.stderr.trim() || r.error?.message || `exit ${r.status}`}`);
      sockets.remove();
    },
  };
}

/** gvisorBackend runs containers under runsc with msb's own runsc state root. */
export const gvisorBackend: Backend = { name: 'gvisor', prepare: prepareGvisor };
