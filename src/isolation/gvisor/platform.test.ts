import { describe, expect, it } from 'vitest';
import { choosePlatform, SYSTRAP_DEFAULT_SINCE } from './platform.js';
import type { RunscVersion } from './runsc-version.js';

const v = (date?: number): RunscVersion => (date === undefined ? { raw: 'unknown' } : { raw: `release-${date}.0`, date });

describe('choosePlatform', () => {
  it.each<[Parameters<typeof choosePlatform>[0], RunscVersion, string]>([
    ['auto', v(20221219), 'ptrace'], // Debian bookworm: before systrap existed
    ['auto', v(SYSTRAP_DEFAULT_SINCE - 1), 'ptrace'],
    ['auto', v(SYSTRAP_DEFAULT_SINCE), 'systrap'],
    ['auto', v(20240729), 'systrap'], // Debian trixie
    ['auto', v(), 'systrap'], // no date: assume a current release
    ['ptrace', v(20240807), 'ptrace'],
    ['systrap', v(20221219), 'systrap'], // the operator's choice stands, even if this runsc lacks it
    ['kvm', v(), 'kvm'],
  ])('%s with %j → %s', (policy, version, expected) => {
    expect(choosePlatform(policy, version)).toBe(expected);
  });
});
