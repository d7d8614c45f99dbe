import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cached } from '../../base/host-facts-cache.js';
import type { RunscVersion } from './runsc-version.js';

/** RMEM_FIXED_IN is the first runsc release that no longer mistakes a netns for the root one. */
export const RMEM_FIXED_IN = 20240807;

/** RmemDecision says whether runsc needs the /proc/sys/net workaround, and why. */
export interface RmemDecision {
  apply: boolean;
  reason: string;
}

/**
 * decideRmemWorkaround: runsc before release-20240807 takes the presence of
 * /proc/sys/net/core/rmem_default as proof of running in the root network namespace and refuses
 * to start ("cannot run with network enabled in root network namespace", gvisor issue #10704).
 * Kernels since ~6.4 show that file in every netns. Both conditions must hold in "auto".
 */
export function decideRmemWorkaround(mode: 'auto' | 'always' | 'never', version: RunscVersion, kernelNamespacesRmem: () => boolean): RmemDecision {
  if (mode === 'always') return { apply: true, reason: 'policy gvisor.rmemWorkaround=always' };
  if (mode === 'never') return { apply: false, reason: 'policy gvisor.rmemWorkaround=never' };
  if (version.date === undefined) return { apply: false, reason: `runsc version ${version.raw} has no release date; assuming it is fixed` };
  if (version.date >= RMEM_FIXED_IN) return { apply: false, reason: `runsc ${version.raw} is release-${RMEM_FIXED_IN} or newer` };
  if (!kernelNamespacesRmem()) return { apply: false, reason: 'the kernel does not namespace net.core.rmem_default' };
  return {
    apply: true,
    reason: `runsc ${version.raw} is older than release-${RMEM_FIXED_IN} and the kernel namespaces net.core.rmem_default (gvisor #10704)`,
  };
}

/** probeKernelNamespacesRmem checks, once per boot, whether a fresh netns shows rmem_default. */
export function probeKernelNamespacesRmem(cacheDir: string, unshare: string): boolean {
  let bootId = 'unknown';
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No boot id: the key below still works within this process.
  }
  return cached(cacheDir, 'kernel-rmem-netns', bootId, () => {
    const probe = spawnSync(unshare, ['--net', '/bin/sh', '-c', 'test -e /proc/sys/net/core/rmem_default'], { stdio: 'ignore', timeout: 10_000 });
    return probe.status === 0;
  });
}
