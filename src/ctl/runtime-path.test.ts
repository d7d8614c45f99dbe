import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { absoluteRuntimePath, checkRuntimeExecutable, defaultRuntimePath } from './runtime-path.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msbctl-path-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('defaultRuntimePath', () => {
  it("is this checkout's shim/msb-runtime", () => {
    expect(defaultRuntimePath()).toBe(resolve(fileURLToPath(import.meta.url), '../../../shim/msb-runtime'));
    expect(existsSync(defaultRuntimePath())).toBe(true);
  });
});

describe('absoluteRuntimePath', () => {
  it.each([
    { path: '/usr/bin/runsc', want: '/usr/bin/runsc' },
    { path: 'shim/msb-runtime', want: '/src/msb/shim/msb-runtime' },
    { path: './x/../y', want: '/src/msb/y' },
  ])('$path → $want', ({ path, want }) => {
    expect(absoluteRuntimePath(path, '/src/msb')).toBe(want);
  });
  it('refuses an empty path', () => expect(() => absoluteRuntimePath('', '/')).toThrow(/--path cannot be empty/));
});

describe('checkRuntimeExecutable', () => {
  it('accepts an executable file', () => {
    writeFileSync(join(dir, 'rt'), '#!/bin/sh\n');
    chmodSync(join(dir, 'rt'), 0o755);
    expect(() => checkRuntimeExecutable(join(dir, 'rt'))).not.toThrow();
  });
  it('refuses a missing file', () => expect(() => checkRuntimeExecutable(join(dir, 'nope'))).toThrow(/does not exist/));
  it('refuses a directory', () => {
    mkdirSync(join(dir, 'd'));
    expect(() => checkRuntimeExecutable(join(dir, 'd'))).toThrow(/not a regular file/);
  });
  it('refuses a file without execute bits', () => {
    writeFileSync(join(dir, 'rt'), '');
    chmodSync(join(dir, 'rt'), 0o644);
    expect(() => checkRuntimeExecutable(join(dir, 'rt'))).toThrow(/not executable/);
  });
});
