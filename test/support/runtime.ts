import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** MSB_RUNTIME is the runtime under test: $MSB_RUNTIME, else this checkout's launcher. */
export const MSB_RUNTIME = process.env.MSB_RUNTIME ?? join(repoRoot, 'shim/msb-runtime');

/** REFERENCE_RUNTIME is runsc as Docker would call it directly (see runsc-reference.sh). */
export const REFERENCE_RUNTIME = join(repoRoot, 'test/support/runsc-reference.sh');

/** RunResult is one runtime call's outcome. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runtime is a runc-compatible binary with its own state root and --log file. */
export interface Runtime {
  name: string;
  path: string;
  root: string;
  log: string;
  globals: string[];
}

/** makeRuntime gives a runtime binary a fresh state root and log under dir. */
export function makeRuntime(name: string, path: string, dir: string, extraGlobals: string[] = []): Runtime {
  const root = join(dir, `${name}-root`);
  mkdirSync(root, { recursive: true });
  const log = join(dir, `${name}-log.json`);
  return { name, path, root, log, globals: [...extraGlobals, '--root', root, '--log', log, '--log-format', 'json'] };
}

/**
 * run calls the runtime. The container inherits create's stdio, so create gets files rather
 * than pipes (a pipe would stay open as long as the container lives).
 */
export function run(rt: Runtime, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const { env = process.env } = opts;
  if (args[0] === 'create') {
    const out = join(rt.root, '..', `${rt.name}-create.out`);
    const fd = openSync(out, 'w');
    try {
      const r = spawnSync(rt.path, [...rt.globals, ...args], { stdio: ['ignore', fd, fd], env, timeout: 60_000 });
      const text = readFileSync(out, 'utf8');
      return { status: r.status ?? -1, stdout: text, stderr: text };
    } finally {
      closeSync(fd);
    }
  }
  const r = spawnSync(rt.path, [...rt.globals, ...args], { input: opts.input, encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** lastLogLine is the last JSON line of the runtime's --log file. */
export function lastLogLine(rt: Runtime): { level?: string; msg?: string; time?: string } | undefined {
  if (!existsSync(rt.log)) return undefined;
  const lines = readFileSync(rt.log, 'utf8').trim().split('\n').filter(Boolean);
  const last = lines.at(-1);
  return last ? (JSON.parse(last) as { level?: string; msg?: string; time?: string }) : undefined;
}

/** makeRootfs builds a busybox-static root filesystem once per suite. */
export function makeRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  cpSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return rootfs;
}

/** BundleOptions shape one test bundle's config.json. */
export interface BundleOptions {
  args?: string[];
  annotations?: Record<string, string>;
  resolvConf?: string;
  network?: 'new' | 'none-in-spec';
  mutate?: (spec: Record<string, unknown>) => void;
}

/** makeBundle writes a bundle directory whose config.json runs args in the shared rootfs. */
export function makeBundle(dir: string, rootfs: string, name: string, opts: BundleOptions = {}): string {
  const bundle = join(dir, `bundle-${name}`);
  mkdirSync(bundle, { recursive: true });
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] },
  ];
  if (opts.resolvConf !== undefined) {
    const file = join(bundle, 'docker-resolv.conf');
    writeFileSync(file, opts.resolvConf);
    mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: file, options: ['rbind', 'rprivate'] });
  }
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (opts.network !== 'none-in-spec') namespaces.push({ type: 'network' });
  const spec: Record<string, unknown> = {
    ociVersion: '1.0.2-dev',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: opts.args ?? ['sleep', '60'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: rootfs, readonly: true },
    hostname: 'msbtest',
    mounts,
    annotations: opts.annotations,
    linux: { namespaces },
    'x-msb-test-unknown-field': { kept: [1, 2, 3] },
  };
  opts.mutate?.(spec);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  return bundle;
}

/** tempDir makes a directory for one suite. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** leftovers lists what a runtime still holds for a container id: records, state files, processes, mounts. */
export function leftovers(rt: Runtime, id: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.includes(id)) found.push(`state: ${join(d, e)}`);
      const p = join(d, e);
      try {
        if (!e.includes(id) && readdirSync(p)) walk(p);
      } catch {
        // a file
      }
    }
  };
  walk(rt.root);
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n');
  for (const line of ps) if (line.includes(id) && !line.includes('ps -eo')) found.push(`process: ${line.trim()}`);
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) found.push(`mount: ${line}`);
  return found;
}
