import { MsbError } from '../../base/errors.js';
import { which } from '../../base/which.js';
import type { BackendContext } from '../backend.js';
import { requireKvmPlatform } from './kvm-platform.js';
import { choosePlatform } from './platform.js';
import { decideRawSockets, type RawSocketsDecision } from './raw-sockets.js';
import { decideRmemWorkaround, probeKernelNamespacesRmem, type RmemDecision } from './rmem-quirk.js';
import { decideRootfsWrites, type RootfsWritesDecision } from './rootfs-writes.js';
import { runscRootOf } from './runsc-root.js';
import { probeRunscVersion, type RunscVersion } from './runsc-version.js';
import { checkSysctls } from './sysctls.js';

/** requiredTool finds a host command gVisor's create needs, or fails naming why it is needed. */
export function requiredTool(command: string, why: string): string {
  const path = which(command);
  if (!path) throw new MsbError('host-unsupported', `gvisor: ${command} not found on PATH; it is needed ${why}`);
  return path;
}

/** RunscPlan is which runsc runs a container and with which global flags, and why. */
export interface RunscPlan {
  runsc: string;
  version: RunscVersion;
  platform: string;
  rmem: RmemDecision;
  rootfs: RootfsWritesDecision;
  raw: RawSocketsDecision;
  runscRoot: string;
  /** runsc's global flags so far; prepare adds the host-socket flags. */
  runscArgs: string[];
}

/**
 * planRunsc finds runsc (policy gvisor.runsc), reads its version and decides its platform, the
 * rmem_default workaround, rootfs writes, the cgroup mode and raw sockets, logging each reason;
 * the container's sysctls are checked against the version.
 */
export function planRunsc(ctx: BackendContext): RunscPlan {
  const { policy, paths } = ctx;
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
    probeKernelNamespacesRmem(paths.cacheDir, requiredTool('unshare', 'to probe the kernel for the rmem_default quirk')),
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
  return { runsc, version, platform, rmem, rootfs, raw, runscRoot, runscArgs };
}
