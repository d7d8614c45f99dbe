import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MsbError } from '../../base/errors.js';

/**
 * MICROSANDBOX_VERSION is the microsandbox release msb is built and tested against (package.json
 * pins its platform package; msb needs only that package's msb binary and libkrunfw, not the
 * microsandbox Node binding, whose other platforms' packages are not all published).
 */
export const MICROSANDBOX_VERSION = '0.6.18';

/** KrunProvider is where the microVM monitor and its guest kernel library are on this host. */
export interface KrunProvider {
  /** The platform package's directory (node_modules/@superradcompany/microsandbox-<platform>). */
  packageDir: string;
  /** The package's version, from its package.json. */
  version: string;
  /** microsandbox's msb binary (the VMM launcher). */
  msb: string;
  /** libkrunfw, the guest kernel as a shared library. */
  libkrunfw: string;
  /** The directory holding libkrunfw. */
  libDir: string;
}

/** ProviderFs is what findKrunProvider reads; tests pass a fake one. */
export interface ProviderFs {
  exists: (path: string) => boolean;
  readFile: (path: string) => string;
  readDir: (path: string) => string[];
}

const realFs: ProviderFs = {
  exists: existsSync,
  readFile: (p) => readFileSync(p, 'utf8'),
  readDir: (p) => readdirSync(p),
};

/**
 * platformPackage names microsandbox's per-platform npm package for a Node platform and arch
 * (the package microsandbox lists as an optional dependency), or undefined where it ships none.
 */
export function platformPackage(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (platform !== 'linux') return undefined;
  if (arch === 'x64') return '@superradcompany/microsandbox-linux-x64-gnu';
  if (arch === 'arm64') return '@superradcompany/microsandbox-linux-arm64-gnu';
  return undefined;
}

/** moduleDir is the directory of the running code: dist/ in the bundle, the module's own directory otherwise. */
function moduleDir(): string {
  // The runtime's bundle is CommonJS (esbuild), the tests and msbctl run ES modules.
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/** findPackageDir looks for node_modules/<name> in start and each directory above it, as Node resolves packages. */
export function findPackageDir(name: string, start: string, fs: ProviderFs = realFs): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (fs.exists(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * findKrunProvider locates microsandbox's msb binary and libkrunfw: in packageDir when the
 * operator names one (policy), else in the platform package installed beside msb. A missing or
 * incomplete package is a host-unsupported error that says how to install it.
 */
export function findKrunProvider(packageDir?: string, opts: { start?: string; platform?: string; arch?: string; fs?: ProviderFs } = {}): KrunProvider {
  const fs = opts.fs ?? realFs;
  const name = platformPackage(opts.platform, opts.arch);
  const install = `npm install --save-exact ${name ?? 'the platform package'}@${MICROSANDBOX_VERSION}`;
  let dir = packageDir;
  if (dir === undefined) {
    if (!name)
      throw new MsbError('host-unsupported', `krun: microsandbox ships no msb binary for ${opts.platform ?? process.platform}/${opts.arch ?? process.arch}`);
    dir = findPackageDir(name, opts.start ?? moduleDir(), fs);
    if (!dir)
      throw new MsbError(
        'host-unsupported',
        `krun: the npm package ${name} (microsandbox's msb and libkrunfw) is not installed; run \`${install}\` in msb's checkout`,
      );
  }
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFile(join(dir, 'package.json'))) as { version?: string }).version ?? 'unknown';
  } catch {
    throw new MsbError('host-unsupported', `krun: ${dir} is not a microsandbox platform package (no readable package.json)`);
  }
  const msb = join(dir, 'bin', 'msb');
  if (!fs.exists(msb)) throw new MsbError('host-unsupported', `krun: ${msb} is missing; reinstall with \`${install}\``);
  const libDir = join(dir, 'lib');
  let libs: string[] = [];
  try {
    libs = fs
      .readDir(libDir)
      .filter((f) => /^libkrunfw\.so(\.\d+)*$/.test(f))
      .sort();
  } catch {
    // No lib/ directory: reported below.
  }
  const lib = libs.at(-1);
  if (!lib) throw new MsbError('host-unsupported', `krun: no libkrunfw.so.* in ${libDir}; reinstall with \`${install}\``);
  return { packageDir: dir, version, msb, libkrunfw: join(libDir, lib), libDir };
}
