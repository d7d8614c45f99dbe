import { HONOURED_GVISOR_FLAGS, KNOWN_ANNOTATIONS } from '../isolation/annotations.js';
import { BACKENDS } from '../isolation/backends.js';
import { CHECKPOINT_FLAGS } from '../isolation/checkpoint-flags.js';
import { krunFields } from '../isolation/krun/krun-support.js';

// hooks, mountOptions and linux.namespaces: msb passes these parts of config.json to the backend
// unchanged and keeps no list of them that create checks, so these lists are the backends' own
// (runsc for gVisor; runc, which makes the VMM's container, for krun), cited where they live.
// features.test.ts holds them against the code that does act on them and against runc's lists.

/**
 * NAMESPACES are the namespace types runsc accepts (runsc/specutils/namespace.go, nsCloneFlag;
 * its own `features` lists the same seven); runc knows them too. msb itself acts on one:
 * `network`, which every container must have and not share with the host (checkNetworkNamespace).
 */
export const NAMESPACES: readonly string[] = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'];

/**
 * HOOKS are the hook names of runtime-spec config.md, as runsc's own `features` lists them. msb
 * keeps config.json's hooks and adds one (network-snapshot-hook.ts, at restore); the backend runs
 * them. runsc runs prestart and createRuntime at create, poststart and poststop, and skips
 * createContainer and startContainer with a warning (runsc/container/container.go: they would run
 * in the container's namespaces); runc runs all six for krun's VMM container.
 */
export const HOOKS: readonly string[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/**
 * MOUNT_OPTIONS are mount flags both backends recognise: runsc's (runsc/specutils/fs.go,
 * optionsMap and propOptionsMap) that runc's features also lists. Left out: `shared` and
 * `rshared`, which runsc refuses on bind mounts (a sandbox must not propagate mounts to the host),
 * and filesystem data such as `mode=` or `size=`, which features.md says the list should not hold.
 * krun carries ro, nosuid, nodev and noexec on into the guest (vm-mounts.ts).
 */
export const MOUNT_OPTIONS: readonly string[] = [
  'bind',
  'rbind',
  'ro',
  'rw',
  'nosuid',
  'suid',
  'nodev',
  'dev',
  'noexec',
  'exec',
  'private',
  'rprivate',
  'slave',
  'rslave',
  'unbindable',
  'runbindable',
  'noatime',
  'atime',
  'relatime',
  'norelatime',
  'strictatime',
  'nostrictatime',
];

/** checkpointFlags lists runc checkpoint/restore flags by what gVisor does with them; a flag refused but for some values is a no-op as name=values. */
function checkpointFlags(disposition: 'passed' | 'no-op' | 'refused'): string {
  const out: string[] = [];
  for (const f of CHECKPOINT_FLAGS) {
    const kind = f.gvisor.kind;
    if (disposition === 'passed' && (kind === 'runsc' || kind === 'msb')) out.push(f.name);
    if (disposition === 'no-op' && kind === 'no-op') out.push(f.name);
    if (disposition === 'no-op' && f.noOpValues) out.push(`${f.name}=${f.noOpValues.join('|')}`);
    if (disposition === 'refused' && kind === 'refused') out.push(f.noOpValues ? `${f.name} (other values)` : f.name);
  }
  return out.join(',');
}

/**
 * features prints the OCI features document (runtime-spec features.md): the backends' hooks, mount
 * options and namespaces above, and under io.msb.* annotations the lists msb's own code acts on
 * (backends, annotation keys, the krun translation table, checkpoint flags).
 */
export function features(version: string): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.1.0',
    hooks: [...HOOKS],
    mountOptions: [...MOUNT_OPTIONS],
    linux: {
      namespaces: [...NAMESPACES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: {
      'io.msb.version': version,
      'io.msb.backends': Object.keys(BACKENDS).join(','),
      'io.msb.annotations': [...Object.keys(KNOWN_ANNOTATIONS), ...Object.keys(HONOURED_GVISOR_FLAGS)].join(','),
      // The krun backend's translation table (krun-support.ts, docs/krun.md), field names joined by "; ".
      'io.msb.krun.mapped': krunFields('mapped').join('; '),
      'io.msb.krun.approximated': krunFields('approximated').join('; '),
      'io.msb.krun.refused': krunFields('refused').join('; '),
      // runc checkpoint/restore (checkpoint-flags.ts, docs/checkpoint.md): which backends can, and
      // what the gVisor backend does with each runc flag.
      'io.msb.checkpoint.backends': Object.entries(BACKENDS)
        .filter(([, b]) => b.checkpointing.supported)
        .map(([n]) => n)
        .join(','),
      'io.msb.checkpoint.gvisor.passed': checkpointFlags('passed'),
      'io.msb.checkpoint.gvisor.no-op': checkpointFlags('no-op'),
      'io.msb.checkpoint.gvisor.refused': checkpointFlags('refused'),
    },
  };
}
