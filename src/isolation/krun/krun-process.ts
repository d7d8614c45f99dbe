import type { Mount, Spec } from '../../base/spec.js';
import { GUEST_ROOT, DOCKER_VOLUME_IMAGE } from './vm-config.js';

/** VMM_PACKAGE_DIR is where the VMM's container sees microsandbox's platform package (bin/msb, lib/libkrunfw). */
const VMM_PACKAGE_DIR = '/msb/pkg';

/** VMM_MSB is msb's path in the VMM's container; msb finds libkrunfw in ../lib beside it. */
export const VMM_MSB = `${VMM_PACKAGE_DIR}/bin/msb`;

/** VMM_TINI is tini's path in the VMM's container. */
const VMM_TINI = '/msb/bin/tini';

/** VMM_ENTRY is the entry script's path in the VMM's container (vmm-entry.ts). */
const VMM_ENTRY = '/msb/entry.sh';

/** MSB_HOME_DIR is msb's state directory in the VMM's container: short, since the agent socket path must fit 108 bytes. */
export const MSB_HOME_DIR = '/msb/home';

/** VMM_ENV is the VMM process's whole environment; the workload's environment goes to the guest through --env. */
export const VMM_ENV: readonly string[] = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', `MSB_HOME=${MSB_HOME_DIR}`, `HOME=${MSB_HOME_DIR}`, 'TMPDIR=/tmp'];

/** KVM_DEVICE_RULE is /dev/kvm's cgroup device rule (char 10:232). */
export const KVM_DEVICE_RULE = { allow: true, type: 'c', major: 10, minor: 232, access: 'rwm' } as const;

/** KrunProcessContext is what the VMM container's spec is built from; the backend fills it in. */
export interface KrunProcessContext {
  /** The directory runc uses as the VMM container's root (msb's own, under the record). */
  vmmRoot: string;
  /** The container's rootfs on the host, which the guest boots. */
  guestRootSource: string;
  packageDir: string;
  tini: string;
  /** The entry script on the host. */
  entryScript: string;
  /** Host library directories bound read-only for msb (host-libraries.ts). */
  hostLibraries: Mount[];
  /** The container's mounts that stay with the VMM (vm-mounts.ts). */
  vmmMounts: Mount[];
  /** The arguments of `msb run`. */
  msbArgs: string[];
  /** The /var/lib/docker volume's disk image on the host, if any. */
  dockerVolumeImage?: string;
  msbHomeSizeMiB: number;
}

function ro(source: string, destination: string): Mount {
  return { destination, type: 'bind', source, options: ['bind', 'ro', 'nosuid', 'nodev', 'private'] };
}

/**
 * krunProcessSpec rewrites the container's spec into the VMM's container that runc runs: the
 * root is msb's own skeleton directory, the container's rootfs is bound non-recursively at
 * /msb/guest (so none of the VMM's mounts show in the guest), the process is `tini -g -- sh
 * entry.sh msb run …` as root with a private MSB_HOME and /tmp on tmpfs, and /dev/kvm is added
 * with its cgroup rule. Namespaces, cgroups, hooks, capabilities, seccomp and every field msb
 * does not touch are kept for runc.
 */
export function krunProcessSpec(spec: Spec, ctx: KrunProcessContext): Spec {
  const proc = spec.process ?? {};
  const linux = (spec.linux ?? {}) as { devices?: unknown[]; resources?: { devices?: unknown[] }; [key: string]: unknown };
  const mounts: Mount[] = [
    ...ctx.vmmMounts,
    ...ctx.hostLibraries,
    ro(ctx.packageDir, VMM_PACKAGE_DIR),
    ro(ctx.tini, VMM_TINI),
    ro(ctx.entryScript, VMM_ENTRY),
    { destination: MSB_HOME_DIR, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=0700', `size=${ctx.msbHomeSizeMiB}m`] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${ctx.msbHomeSizeMiB}m`] },
    // "bind", not "rbind": the guest sees the image's files only, not the mounts runc makes over them.
    { destination: GUEST_ROOT, type: 'bind', source: ctx.guestRootSource, options: ['bind', 'private'] },
  ];
  if (ctx.dockerVolumeImage) mounts.push({ destination: DOCKER_VOLUME_IMAGE, type: 'bind', source: ctx.dockerVolumeImage, options: ['bind', 'private'] });
  return {
    ...spec,
    root: { ...spec.root, path: ctx.vmmRoot, readonly: true },
    process: {
      ...proc,
      // The workload's rlimits go into the guest (msb run --rlimit); on the VMM they would cap
      // the whole microVM: nofile its virtio-fs handles, as its guest RAM mapping, cpu all vCPUs.
      rlimits: undefined,
      args: [VMM_TINI, '-g', '--', '/bin/sh', VMM_ENTRY, VMM_MSB, ...ctx.msbArgs],
      env: [...VMM_ENV],
      cwd: '/',
      user: { uid: 0, gid: 0 },
    },
    mounts,
    linux: {
      ...linux,
      devices: [...(linux.devices ?? []), { path: '/dev/kvm', type: 'c', major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 0 }],
      resources: { ...linux.resources, devices: [...(linux.resources?.devices ?? []), { ...KVM_DEVICE_RULE }] },
    },
  };
}
