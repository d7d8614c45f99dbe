import { describe, expect, it, vi } from 'vitest';
import { decideRmemWorkaround, RMEM_FIXED_IN } from './rmem-quirk.js';
import type { RunscVersion } from './runsc-version.js';

const OLD: RunscVersion = { raw: '0.0~20221219.0', date: 20221219 };
const FIXED: RunscVersion = { raw: `release-${RMEM_FIXED_IN}.0`, date: RMEM_FIXED_IN };
const NEWER: RunscVersion = { raw: 'release-20250101.0', date: 20250101 };
const UNDATED: RunscVersion = { raw: '6f1ab3e9c' };

describe('decideRmemWorkaround', () => {
  // probe: what the kernel probe would say; undefined means it must not be called at all.
  it.each<{ name: string; mode: 'auto' | 'always' | 'never'; version: RunscVersion; probe?: boolean; apply: boolean; reason: RegExp }>([
    { name: 'always, even for a fixed runsc', mode: 'always', version: NEWER, apply: true, reason: /^policy gvisor\.rmemWorkaround=always$/ },
    { name: 'always, for an old runsc', mode: 'always', version: OLD, apply: true, reason: /=always/ },
    { name: 'never, even for an old runsc', mode: 'never', version: OLD, apply: false, reason: /^policy gvisor\.rmemWorkaround=never$/ },
    {
      name: 'auto with an undated runsc',
      mode: 'auto',
      version: UNDATED,
      apply: false,
      reason: /^runsc version 6f1ab3e9c has no release date; assuming it is fixed$/,
    },
    { name: 'auto with the fixed release', mode: 'auto', version: FIXED, apply: false, reason: /^runsc release-20240807\.0 is release-20240807 or newer$/ },
    { name: 'auto with a newer release', mode: 'auto', version: NEWER, apply: false, reason: /or newer/ },
    {
      name: 'auto, old runsc, old kernel',
      mode: 'auto',
      version: OLD,
      probe: false,
      apply: false,
      reason: /^the kernel does not namespace net\.core\.rmem_default$/,
    },
    {
      name: 'auto, old runsc, new kernel',
      mode: 'auto',
      version: OLD,
      probe: true,
      apply: true,
      reason: /^runsc 0\.0~20221219\.0 is older than release-20240807 and the kernel namespaces net\.core\.rmem_default \(gvisor #10704\)$/,
    },
    {
      name: 'auto, the day before the fix, new kernel',
      mode: 'auto',
      version: { raw: 'release-20240806.0', date: 20240806 },
      probe: true,
      apply: true,
      reason: /older than/,
    },
  ])('$name', ({ mode, version, probe, apply, reason }) => {
    const kernel = vi.fn(() => {
      if (probe === undefined) throw new Error('the kernel probe must not run when mode or version decide');
      return probe;
    });
    const decision = decideRmemWorkaround(mode, version, kernel);
    expect(decision.apply).toBe(apply);
    expect(decision.reason).toMatch(reason);
    expect(kernel).toHaveBeenCalledTimes(probe === undefined ? 0 : 1);
  });
});
