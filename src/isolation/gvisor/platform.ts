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
