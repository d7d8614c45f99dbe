import { MsbError } from '../../base/errors.js';
import { exactUint64 } from '../../base/exact-json.js';
import type { Spec } from '../../base/spec.js';
import { KRUN_DOCKER_VOLUME_ANNOTATION } from '../annotations.js';
import type { KrunPolicy } from '../policy.js';
import type { PublishedPort } from './docker-ports.js';
import { type GuestMount, type MountKind, planMounts } from './vm-mounts.js';
import { sizeVm, type VmResources } from './vm-resources.js';
import { krunNetworkArgs } from '../../egress/krun-net-args.js';
import { ALLOW_ALL, BUILTIN_PROFILES, type EgressProfile, parseProfile } from '../../egress/profiles.js';

/** GUEST_ROOT is where the VMM's container sees the container's rootfs (bound non-recursively) that msb boots. */
export const GUEST_ROOT = '/msb/guest';

/** DOCKER_VOLUME_IMAGE is where the VMM's container sees the disk image of the optional /var/lib/docker volume. */
export const DOCKER_VOLUME_IMAGE = '/msb/volumes/docker.img';

/** RLIMITS are the OCI rlimit types msb's --rlimit accepts (name = the type without RLIMIT_, lower case). */
const RLIMITS: readonly string[] = [
  'RLIMIT_AS',
  'RLIMIT_CORE',
  'RLIMIT_CPU',
  'RLIMIT_DATA',
  'RLIMIT_FSIZE',
  'RLIMIT_LOCKS',
  'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_NOFILE',
  'RLIMIT_NPROC',
  'RLIMIT_RSS',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
  'RLIMIT_SIGPENDING',
  'RLIMIT_STACK',
];

/** VmConfig is the microVM msb boots for one container: what `msb run` is told, field by field. */
export interface VmConfig {
  /** The sandbox's name in msb (its own state lives in the container's private MSB_HOME). */
  name: string;
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  /** uid:gid, as msb's --user takes it. */
  user: string;
  terminal: boolean;
  hostname?: string;
  /** name=soft:hard for msb's --rlimit. */
  rlimits: string[];
  resources: VmResources;
  mounts: GuestMount[];
  /** msb's -p values: the container port, bound on all addresses of the container's netns. */
  ports: string[];
  /** The egress profile's msb flags (krunNetworkArgs); peersAtStart: vmm-entry.ts adds the container's own subnets. */
  network: { egress: string; args: string[]; peersAtStart: boolean; ipv4Pool: string; nameservers: string[] };
  /** A disk image msb mounts at /var/lib/docker (docker-in-VM cannot use overlayfs on virtio-fs). */
  dockerVolume?: { image: string; destination: '/var/lib/docker'; sizeMiB: number };
  /** Approximations made, one line each (docs/krun.md lists them all). */
  notes: string[];
}

/** TranslateContext is the host's answers translateToVmConfig needs; create gathers them, tests pass them. */
export interface TranslateContext {
  id: string;
  krun: KrunPolicy;
  kindOf: (source: string) => MountKind;
  /** Ports Docker publishes or exposes for this container (docker-ports.ts). */
  ports: readonly PublishedPort[];
  /** Nameservers of the container's resolv.conf (msb forwards DNS to them from the container's netns). */
  nameservers: readonly string[];
  /** The container's egress profile (default allow-all). */
  egress?: EgressProfile;
}

interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** sandboxName is the msb sandbox name for a container id (short: it appears in msb's paths and logs). */
export function sandboxName(id: string): string {
  return `c-${id.slice(0, 12)}`;
}

/**
 * refuseUnsupported fails for what a microVM cannot honour without weakening the container:
 * the host network namespace (msb's user-mode network and published ports would be the host's),
 * host devices and --privileged (no device reaches the guest), and a read-only root (msb boots
 * the root read-write over virtio-fs).
 */
export function refuseUnsupported(spec: Spec): void {
  const linux = (spec.linux ?? {}) as {
    namespaces?: { type: string }[];
    devices?: unknown[];
    resources?: { devices?: { allow?: boolean; type?: string; major?: number }[] };
  };
  if (!linux.namespaces?.some((ns) => ns.type === 'network')) {
    throw new MsbError(
      'forbidden',
      'krun: the container would share the host network namespace (--network host), which msb does not allow; use a Docker network',
    );
  }
  if (linux.resources?.devices?.some((d) => d.allow === true && d.type === undefined && d.major === undefined)) {
    throw new MsbError(
      'unsupported',
      'krun: --privileged is not supported: a microVM gets no host devices, and the guest kernel already gives the workload full root inside the VM',
    );
  }
  if ((linux.devices ?? []).length > 0) {
    throw new MsbError(
      'unsupported',
      `krun: host devices (--device, ${(linux.devices as { path?: string }[]).map((d) => d.path).join(', ')}) cannot be passed into a microVM`,
    );
  }
  if (spec.root.readonly === true)
    throw new MsbError('unsupported', 'krun: a read-only root filesystem (--read-only) is not supported yet: msb boots the root read-write over virtio-fs');
  if (!spec.process?.args?.length) throw new MsbError('invalid-spec', 'krun: config.json has no process.args to run in the guest');
}

function translateRlimits(rlimits: readonly Rlimit[]): string[] {
  return rlimits.map((r) => {
    if (!RLIMITS.includes(r.type)) throw new MsbError('unsupported', `krun: rlimit ${r.type} is not supported by msb (supported: ${RLIMITS.join(', ')})`);
    return `${r.type.slice('RLIMIT_'.length).toLowerCase()}=${exactUint64(r.soft)}:${exactUint64(r.hard)}`;
  });
}

function dockerVolume(spec: Spec, krun: KrunPolicy): VmConfig['dockerVolume'] {
  const ann = spec.annotations?.[KRUN_DOCKER_VOLUME_ANNOTATION];
  const sizeMiB = ann === undefined ? krun.dockerVolumeMiB : Number(ann);
  return sizeMiB > 0 ? { image: DOCKER_VOLUME_IMAGE, destination: '/var/lib/docker', sizeMiB } : undefined;
}

/**
 * translateToVmConfig maps a container's OCI spec to the microVM msb boots: the process (args,
 * env, cwd, uid:gid, terminal, rlimits), hostname, mounts, RAM and vCPUs, published ports and
 * network. What cannot be honoured is refused; what is approximated is listed in notes.
 */
export function translateToVmConfig(spec: Spec, ctx: TranslateContext): VmConfig {
  refuseUnsupported(spec);
  const proc = spec.process ?? {};
  const notes: string[] = [];
  const user = proc.user ?? {};
  if (Array.isArray(user.additionalGids) && (user.additionalGids as number[]).some((g) => g !== user.gid)) {
    notes.push(`user: additional groups ${(user.additionalGids as number[]).join(',')} are not passed to the guest (msb takes uid:gid)`);
  }
  const mounts = planMounts(spec.mounts ?? [], ctx.kindOf);
  notes.push(...mounts.notes);
  const resources = sizeVm(spec, ctx.krun);
  const volume = dockerVolume(spec, ctx.krun);
  const egress = ctx.egress ?? parseProfile(ALLOW_ALL, BUILTIN_PROFILES[ALLOW_ALL] ?? { rules: [] }, 'built-in');
  const net = krunNetworkArgs(egress, ctx.krun.dnsRebindProtection);
  notes.push(...net.notes);
  if (volume && mounts.guest.some((m) => m.destination === '/var/lib/docker')) {
    throw new MsbError('invalid-spec', 'krun: /var/lib/docker is both mounted and requested as a disk volume');
  }
  return {
    name: sandboxName(ctx.id),
    rootfs: GUEST_ROOT,
    args: [...(proc.args ?? [])],
    env: [...(proc.env ?? [])],
    cwd: proc.cwd ?? '/',
    user: `${user.uid ?? 0}:${user.gid ?? 0}`,
    terminal: proc.terminal === true,
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    rlimits: translateRlimits((proc.rlimits as Rlimit[] | undefined) ?? []),
    resources,
    mounts: mounts.guest,
    ports: ctx.ports.map((p) => `0.0.0.0:${p.port}:${p.port}${p.protocol === 'udp' ? '/udp' : ''}`),
    network: { egress: egress.name, args: net.args, peersAtStart: net.peersAtStart, ipv4Pool: ctx.krun.ipv4Pool, nameservers: [...ctx.nameservers] },
    ...(volume ? { dockerVolume: volume } : {}),
    notes,
  };
}
