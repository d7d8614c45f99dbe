import type { RunscVersion } from './runsc-version.js';

/** SYSTRAP_DEFAULT_SINCE is the runsc release that made systrap its default platform. */
export const SYSTRAP_DEFAULT_SINCE = 20230605;

/**
 * choosePlatform picks runsc's --platform: the policy's choice, or for "auto" the platform that
 * runsc release defaults to (ptrace before systrap existed; systrap after). msb always passes
 * the flag so the choice is recorded and visible in `ps`.
 */
export function choosePlatform(policy: 'auto' | 'ptrace' | 'systrap' | 'kvm', version: RunscVersion): string {
  if (policy !== 'auto') return policy;
  if (version.date !== undefined && version.date < SYSTRAP_DEFAULT_SINCE) return 'ptrace';
  return 'systrap';
}

/**
 * platformReason says why choosePlatform picked what it did, for the record, the demo and
 * doctor: the policy's own choice, or the release's default (runsc before release-20230605 has
 * only ptrace by default, e.g. Debian 12's 0.0~20221219; Debian 13 and bookworm-backports carry
 * 0.0~20240729, whose default is the faster systrap).
 */
export function platformReason(policy: 'auto' | 'ptrace' | 'systrap' | 'kvm', version: RunscVersion): string {
  if (policy !== 'auto') return `policy gvisor.platform=${policy}`;
  const platform = choosePlatform(policy, version);
  return platform === 'ptrace'
    ? `policy gvisor.platform=auto: runsc ${version.raw} predates systrap as the default (release-20230605), so ptrace, the slower platform`
    : `policy gvisor.platform=auto: runsc ${version.raw}'s default`;
}
