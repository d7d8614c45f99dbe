import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { goBinary } from './fake-host.js';
import { goBuildVersion, goMinor } from './go-build-info.js';

describe('goBuildVersion', () => {
  it('reads the inline version string after the build-info magic', () => {
    expect(goBuildVersion(goBinary('go1.26.2'))).toBe('go1.26.2');
  });

  it('is undefined for non-Go bytes, pointer-style (pre-1.18) build info and garbage after the magic', () => {
    expect(goBuildVersion(Buffer.from('#!/bin/sh\necho hi\n'))).toBeUndefined();
    const old = goBinary('go1.17.1');
    old[old.indexOf('\xff Go buildinf:', 0, 'latin1') + 15] = 0;
    expect(goBuildVersion(old)).toBeUndefined();
    expect(goBuildVersion(goBinary('not-a-version'))).toBeUndefined();
  });

  it('goMinor reads the minor version', () => {
    expect(goMinor('go1.26.2')).toBe(26);
    expect(goMinor('devel')).toBeUndefined();
  });

  // The real thing: the host's runsc, when there is one (Debian's runsc is a Go ≥ 1.18 build).
  const runsc = ['/usr/bin/runsc', '/usr/local/bin/runsc'].find((p) => existsSync(p));
  if (!runsc) console.warn('SKIP goBuildVersion on a real runsc: none installed');
  it.skipIf(!runsc)('reads the real runsc binary as the Go toolchain does', () => {
    const version = goBuildVersion(readFileSync(runsc ?? ''));
    expect(version).toMatch(/^go1\.\d+/);
    // strings(1) finds the same version text in the binary.
    const strings = spawnSync('grep', ['-a', '-o', '-m', '1', version ?? 'x', runsc ?? ''], { encoding: 'utf8' });
    expect(strings.stdout).toContain(version);
  });
});
