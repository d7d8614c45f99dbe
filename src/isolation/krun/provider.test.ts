import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import { findKrunProvider, findPackageDir, platformPackage, type ProviderFs } from './provider.js';

const PKG = '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu';

function fakeFs(files: Record<string, string>): ProviderFs {
  return {
    exists: (p) => p in files,
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
    readDir: (p) => {
      const names = Object.keys(files)
        .filter((f) => f.startsWith(`${p}/`))
        .map((f) => f.slice(p.length + 1));
      if (names.length === 0) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return names;
    },
  };
}

const complete = {
  [`${PKG}/package.json`]: '{"version":"0.6.18"}',
  [`${PKG}/bin/msb`]: '',
  [`${PKG}/lib/libkrunfw.so.5.6.1`]: '',
};
const linux = { platform: 'linux', arch: 'x64' };

describe('platformPackage', () => {
  it.each([
    ['linux', 'x64', '@superradcompany/microsandbox-linux-x64-gnu'],
    ['linux', 'arm64', '@superradcompany/microsandbox-linux-arm64-gnu'],
    ['linux', 'ia32', undefined],
    ['darwin', 'arm64', undefined],
  ])('%s/%s → %s', (platform, arch, name) => expect(platformPackage(platform, arch)).toBe(name));
});

describe('findKrunProvider', () => {
  it('finds the platform package above the running code, as Node resolves packages', () => {
    const p = findKrunProvider(undefined, { ...linux, start: '/opt/msb/dist/isolation', fs: fakeFs(complete) });
    expect(p).toEqual({ packageDir: PKG, version: '0.6.18', msb: `${PKG}/bin/msb`, libkrunfw: `${PKG}/lib/libkrunfw.so.5.6.1`, libDir: `${PKG}/lib` });
  });

  it('uses the directory the operator names', () => {
    expect(findKrunProvider(PKG, { fs: fakeFs(complete) }).msb).toBe(`${PKG}/bin/msb`);
  });

  it.each([
    ['no package', {}, /is not installed; run `npm install --save-exact @superradcompany\/microsandbox-linux-x64-gnu@0.6.18`/],
    ['no msb binary', { [`${PKG}/package.json`]: '{"version":"0.6.18"}', [`${PKG}/lib/libkrunfw.so.5`]: '' }, /bin\/msb is missing/],
    ['no libkrunfw', { [`${PKG}/package.json`]: '{"version":"0.6.18"}', [`${PKG}/bin/msb`]: '' }, /no libkrunfw\.so\.\* in/],
  ])('%s is a host-unsupported error that says how to fix it', (_name, files, message) => {
    const find = (): unknown => findKrunProvider(undefined, { ...linux, start: '/opt/msb/dist', fs: fakeFs(files) });
    expect(find).toThrow(MsbError);
    expect(find).toThrow(message);
  });

  it('names the platform when microsandbox ships nothing for it', () => {
    expect(() => findKrunProvider(undefined, { platform: 'linux', arch: 'riscv64', fs: fakeFs({}) })).toThrow(/no msb binary for linux\/riscv64/);
  });

  it('finds the real package in this checkout', () => {
    const p = findKrunProvider();
    expect(p.version).toBe('0.6.18');
    expect(p.libkrunfw).toMatch(/libkrunfw\.so\.5/);
  });
});

describe('findPackageDir', () => {
  it('stops at the filesystem root', () => {
    expect(findPackageDir('x', '/a/b', fakeFs({}))).toBeUndefined();
  });
});
