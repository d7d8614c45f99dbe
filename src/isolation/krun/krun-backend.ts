import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { hasNetworkHook } from '../../dns/network-timing.js';
import { parseResolvConf } from '../../dns/resolv-conf.js';
import { MsbError } from '../../base/errors.js';
import { appendLogLine } from '../../base/log.js';
import { which } from '../../base/which.js';
import type { Backend, BackendContext, CreateRequest, PreparedContainer } from '../backend.js';
import { dockerImageOf } from '../container-image.js';
import { checkNetworkNamespace } from '../network-namespace.js';
import { podMembersOf, refuseSecondPodContainer } from './pod-refusal.js';
import { inspectKvmHost, type KvmHostVerdict } from '../kvm-host.js';
import { bindMountFacts } from '../mount-facts.js';
import { dockerPorts } from './docker-ports.js';
import { hostLibraries } from './host-libraries.js';
import { krunLauncher } from './krun-launcher.js';
import { krunCommands } from './krun-commands.js';
import type { KrunSummary } from './krun-summary.js';
import { krunProcessSpec } from './krun-process.js';
import { checkKrunSockets } from './krun-sockets.js';
import { msbRunArgs } from './msb-run-args.js';
import { findKrunProvider } from './provider.js';
import { translateToVmConfig } from './vm-config.js';
import { type MountKind, planMounts } from './vm-mounts.js';
import { vmmEntryScript } from './vmm-entry.js';
import { createDockerVolume } from './docker-volume.js';
import { runRuncCreate } from '../runc-create.js';

/** MSB_HOME_SIZE_MIB caps each tmpfs of the VMM's container (MSB_HOME, /tmp): msb keeps a small sqlite db and sockets there. */
const MSB_HOME_SIZE_MIB = 64;

/** runcRootOf is runc's own state root for krun containers, beside msb's records. */
function runcRootOf(stateDir: string): string {
  return join(stateDir, 'runc');
}

/** kindOfSource stats a bind source the way the mount will see it (following symlinks). */
function kindOfSource(source: string): MountKind {
  try {
    const st = statSync(source);
    return st.isSocket() ? 'socket' : st.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * checkHost applies policy krun.hostCheck to inspectKvmHost's verdict: "enforce" (the default)
 * fails create at once with the reason, instead of a guest that dies 12 s after "entering VM".
 */
export function checkHost(verdict: KvmHostVerdict, hostCheck: 'enforce' | 'warn', source: string): string | undefined {
  if (verdict.kind === 'usable') return undefined;
  const reason = `this host cannot boot libkrun microVMs: ${verdict.reason}`;
  if (hostCheck === 'enforce') throw new MsbError('host-unsupported', `krun: ${reason} (policy ${source} krun.hostCheck is "enforce"; "warn" tries anyway)`);
  return `host check (krun.hostCheck=warn): ${reason}`;
}

/** realPathOfNew resolves symlinks in the existing part of a path (runc refuses a root with symlinks: /var/run is one). */
export function realPathOfNew(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : join(realPathOfNew(parent), basename(path));
}

function required(command: string, key: string, source: string): string {
  const path = which(command);
  if (!path)
    throw new MsbError(
      'host-unsupported',
      `krun: ${command} not found (policy krun.${key}=${JSON.stringify(command)} in ${source}, PATH=${process.env.PATH ?? ''})`,
    );
  return path;
}

/**
 * nameserversOf reads the nameservers of Docker's resolv.conf for msb's --dns-nameserver. Without
 * a libnetwork-setkey hook (Docker 28+) Docker's file is still a draft naming the host's resolver
 * at create and gets 127.0.0.11 only before start, so none are passed: msb reads the VMM
 * container's /etc/resolv.conf (Docker's final file) when it boots.
 */
function nameserversOf(spec: BackendContext['spec']): string[] {
  if (!hasNetworkHook(spec)) return [];
  const source = spec.mounts?.find((m) => m.destination === '/etc/resolv.conf')?.source;
  if (!source || !isAbsolute(source)) return [];
  try {
    return parseResolvConf(readFileSync(source, 'utf8')).nameservers;
  } catch {
    return []; // msb then reads the VMM container's /etc/resolv.conf itself.
  }
}

function prepareKrun(ctx: BackendContext): PreparedContainer<KrunSummary> {
  const { policy, paths, spec } = ctx;
  refuseSecondPodContainer(spec, podMembersOf(dirname(paths.dir), ctx.id));
  const krun = policy.krun;
  const provider = findKrunProvider(krun.packageDir || undefined);
  const runc = required(krun.runc, 'runc', policy.source);
  const tini = required(krun.tini, 'tini', policy.source);
  const hostNote = checkHost(inspectKvmHost(), krun.hostCheck, policy.source);
  // A warning, not only debug: the operator chose to run where guests are known to fail.
  if (hostNote) appendLogLine(ctx.runtime.log, 'warning', `msb: krun: ${hostNote}`);
  checkNetworkNamespace(spec, 'krun');
  if (ctx.preserveFds > 0)
    throw new MsbError('unsupported', `krun: --preserve-fds ${ctx.preserveFds} is not supported: descriptors cannot be passed into a microVM`);
  checkKrunSockets(spec, policy, bindMountFacts(spec), { annotations: spec.annotations ?? {}, image: dockerImageOf(spec, ctx.id) });
  const vm = translateToVmConfig(spec, {
    id: ctx.id,
    krun,
    kindOf: kindOfSource,
    ports: dockerPorts(spec, ctx.id),
    nameservers: nameserversOf(spec),
    egress: ctx.egress,
  });
  ctx.debug(`krun: msb ${provider.version} (${provider.msb}); ${[...vm.resources.notes, ...vm.notes].join('; ')}`);

  const vmmRoot = join(realPathOfNew(paths.dir), 'vmm-root');
  const entryScript = join(paths.dir, 'entry.sh');
  const volumeImage = vm.dockerVolume ? join(krun.volumeDirectory, `${ctx.id}.img`) : undefined;
  let madeVolume = false;
  const libs = hostLibraries();
  const guestRootSource = resolve(ctx.bundle, spec.root.path);
  const runcRoot = runcRootOf(paths.stateDir);
  const runcArgs = ['--root', runcRoot, ...(ctx.runtime.systemdCgroup ? ['--systemd-cgroup'] : [])];
  const vmmSpec = krunProcessSpec(spec, {
    vmmRoot,
    guestRootSource,
    packageDir: provider.packageDir,
    tini,
    entryScript,
    hostLibraries: libs.mounts,
    vmmMounts: planMounts(spec.mounts ?? [], kindOfSource).vmm,
    msbArgs: msbRunArgs(vm),
    ...(volumeImage ? { dockerVolumeImage: volumeImage } : {}),
    msbHomeSizeMiB: MSB_HOME_SIZE_MIB,
  });

  return {
    spec: vmmSpec,
    writeFiles(): void {
      mkdirSync(join(vmmRoot, 'msb'), { recursive: true, mode: 0o755 });
      for (const l of libs.links) symlinkSync(l.target, join(vmmRoot, l.path));
      writeFileSync(entryScript, vmmEntryScript(vm.name, hostNote), { mode: 0o644 });
      if (volumeImage && vm.dockerVolume) {
        createDockerVolume(volumeImage, vm.dockerVolume.sizeMiB);
        madeVolume = true;
      }
    },
    afterCreate(): void {},
    launcher: krunLauncher({ id: ctx.id, bundle: ctx.bundle, root: ctx.runtime.root, runc, runcArgs, ownedFiles: volumeImage ? [volumeImage] : [] }),
    controlSockets: [],
    summary: {
      msb: provider.msb,
      msbVersion: provider.version,
      runc,
      runcArgs,
      runcRoot,
      vm,
      vmmHeadroomMiB: krun.vmmHeadroomMiB,
      hostCheck: hostNote ?? 'usable',
    },
    create: (req: CreateRequest): number => runRuncCreate({ backend: 'krun', binary: runc, globalArgs: runcArgs, stateRoot: runcRoot }, ctx.runtime, req),
    destroy(id: string): boolean {
      spawnSync(runc, [...runcArgs, 'delete', '--force', id], { stdio: 'ignore', timeout: 30_000 });
      // Only an image this create made: one that already existed (EEXIST) belongs to someone else.
      if (volumeImage && madeVolume) rmSync(volumeImage, { force: true });
      return true;
    },
  };
}

/** krunBackend runs each container as a libkrun microVM: runc runs tini → msb in the container's namespaces and cgroup. */
export const krunBackend: Backend<KrunSummary> = { ...krunCommands, prepare: prepareKrun };
