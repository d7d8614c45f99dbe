import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { checkRunscOutput, parseRunscVersion, probeRunscVersion, type RunscProbe, type RunscVersion } from './runsc-version.js';

describe('parseRunscVersion', () => {
  it.each<[string, RunscVersion]>([
    ['runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n', { raw: '0.0~20221219.0', date: 20221219 }], // Debian bookworm
    ['runsc version 0.0~20240729.0\nspec: 1.1.0\n', { raw: '0.0~20240729.0', date: 20240729 }], // Debian trixie
    ['runsc version release-20240807.0', { raw: 'release-20240807.0', date: 20240807 }], // upstream
    ['runsc version release-20240807.0\r\nspec: 1.1.0-rc.1', { raw: 'release-20240807.0', date: 20240807 }],
    ['  runsc version release-20230605.0  \n', { raw: 'release-20230605.0', date: 20230605 }],
    ['runsc version 0.0~20221219.0+ds1-2', { raw: '0.0~20221219.0+ds1-2', date: 20221219 }],
    ['garbage', { raw: 'garbage' }],
    ['', { raw: '' }],
    ['runsc version 6f1ab3e9c', { raw: '6f1ab3e9c' }],
    ['runsc version v1.2.3', { raw: 'v1.2.3' }],
    ['runsc version 120240807', { raw: '120240807' }], // nine digits are not a date
    ['spec: 1.0.2\nrunsc version release-20240807.0', { raw: 'spec: 1.0.2' }], // only the first line counts
  ])('%j', (output, expected) => {
    expect(parseRunscVersion(output)).toEqual(expected);
  });
});

describe('checkRunscOutput', () => {
  it("takes runsc's own answer", () => {
    expect(checkRunscOutput('/usr/bin/runsc', { stdout: 'runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n', stderr: '', status: 0 })).toEqual({
      raw: '0.0~20221219.0',
      date: 20221219,
    });
  });

  it.each<[string, RunscProbe, RegExp]>([
    [
      'nothing (/bin/true)',
      { stdout: '', stderr: '', status: 0 },
      /^gvisor: policy gvisor\.runsc names \/x, which is not runsc: `\/x --version` printed nothing; set gvisor\.runsc to gVisor's runsc$/,
    ],
    ['runc', { stdout: 'runc version 1.1.5\ncommit: v1.1.5\nspec: 1.0.2-dev\n', stderr: '', status: 0 }, /`\/x --version` printed "runc version 1\.1\.5"; set/],
    [
      'usage on stderr and a failure',
      { stdout: '', stderr: '\nNAME:\n   runc - Open Container Initiative runtime\n', status: 1 },
      /printed "NAME:", exit 1; set/,
    ],
    [
      'a binary that cannot run',
      { stdout: '', stderr: '', status: null, error: Object.assign(new Error('spawn /x EACCES'), { code: 'EACCES' }) },
      /^gvisor: policy gvisor\.runsc names \/x, which could not be run with --version: permission denied \(EACCES\)$/,
    ],
    ['a long line', { stdout: `${'y'.repeat(500)}\n`, stderr: '', status: 0 }, /printed "y{117}\.\.\."/],
  ])('refuses %s, naming the path and what it printed', (_name, probe, message) => {
    let caught: unknown;
    try {
      checkRunscOutput('/x', probe);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).code).toBe('host-unsupported');
    expect((caught as MsbError).message).toMatch(message);
  });
});

describe('probeRunscVersion', () => {
  it('remembers a binary that answered like runsc, and asks again about one that did not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-runsc-probe-'));
    try {
      let runs = 0;
      const good = (): RunscProbe => {
        runs++;
        return { stdout: 'runsc version release-20240807.0\n', stderr: '', status: 0 };
      };
      const bad = (): RunscProbe => {
        runs++;
        return { stdout: '', stderr: '', status: 0 };
      };
      expect(() => probeRunscVersion('/bin/sh', dir, bad)).toThrow(MsbError);
      expect(() => probeRunscVersion('/bin/sh', dir, bad)).toThrow(MsbError);
      expect(runs).toBe(2);
      expect(probeRunscVersion('/bin/sh', dir, good).raw).toBe('release-20240807.0');
      expect(probeRunscVersion('/bin/sh', dir, bad).raw).toBe('release-20240807.0'); // cached by path, inode, size, mtime
      expect(runs).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
