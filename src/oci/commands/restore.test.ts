// restore = create's path with runsc restore in place of runsc create (docs/checkpoint.md), here
// with a recording fake runsc. Real Docker and runsc: test/docker/checkpoint.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRuntimeArgv } from '../argv.js';
import { MsbError } from '../../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from '../global-options.js';
import { containerPaths } from '../../base/paths.js';
import { restore } from './restore.js';
import { makeFakeRunsc } from '../../../test/support/fake-runsc.js';

const base = mkdtempSync(join(tmpdir(), 'msb-restore-unit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

// A recording fake runsc (test/support/fake-runsc.ts).
const fake = makeFakeRunsc(join(base, 'fake runsc'));
const runsc = fake.path;
const calls = fake.calls;

let n = 0;
let root = '';
let bundle = '';
let log = '';
let policy = '';
let original = '';
const id = 'r1';

beforeEach(() => {
  const dir = join(base, `case ${n++}`);
  root = join(dir, 'root');
  bundle = join(dir, 'bundle');
  log = join(dir, 'log.json');
  policy = join(dir, 'policy.json');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  const resolv = join(dir, 'resolv.conf');
  writeFileSync(resolv, 'nameserver 127.0.0.11\n');
  original = `${JSON.stringify({
    ociVersion: '1.0.2-dev',
    process: { args: ['sleep', '60'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/etc/resolv.conf', type: 'bind', source: resolv, options: ['rbind'] }],
    hooks: { prestart: [{ path: '/proc/1/exe', args: ['libnetwork-setkey'] }] },
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] },
  })}\n`;
  writeFileSync(join(bundle, 'config.json'), original);
  writeFileSync(policy, JSON.stringify({ gvisor: { runsc, rmemWorkaround: 'never' }, dns: { upstreams: ['9.9.9.9'], relay: false } }));
  fake.reset();
});

const globals = (): GlobalOptions => ({ ...defaultGlobalOptions(), root, log, logFormat: 'json', policy });

/** restoreArgv runs a command line the way main does: the argv table, then restore. */
function restoreArgv(argv: string[]): void {
  const p = parseRuntimeArgv(['restore', ...argv, id]);
  const s = (k: string): string | undefined => (typeof p.flags[k] === 'string' ? (p.flags[k] as string) : undefined);
  restore(globals(), id, { bundle: s('bundle'), pidFile: s('pid-file'), consoleSocket: s('console-socket') }, p.flags, {});
}

describe('restore with a fake runsc', () => {
  it("does create's work (record, launcher, resolv.conf rewrite) and runs runsc restore instead of runsc create", () => {
    restoreArgv(['--image-path', '/img', '--work-path', '/work', '--detach', '--pid-file', join(bundle, 'init.pid'), '-no-subreaper', '--bundle', bundle]);
    const paths = containerPaths(root, id);
    expect(calls()).toEqual([
      [
        '--root',
        join(paths.stateDir, 'runsc'),
        '--platform=systrap',
        '--overlay2=none',
        '--log',
        log,
        '--log-format',
        'json',
        'restore',
        '--image-path',
        '/img',
        '--detach',
        '--bundle',
        bundle,
        '--pid-file',
        join(bundle, 'init.pid'),
        id,
      ],
    ]);
    expect(readFileSync(paths.launcher, 'utf8')).toContain('msb_backend=gvisor');
    expect(JSON.parse(readFileSync(paths.record, 'utf8'))).toMatchObject({ id, backend: 'gvisor', bundle });
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { mounts: { source: string }[] };
    expect(spec.mounts[0]?.source).toBe(join(paths.dir, 'resolv.conf'));
    expect(readFileSync(join(paths.dir, 'resolv.conf'), 'utf8')).toContain('nameserver 9.9.9.9');
  });

  it("adds the network snapshot hook after Docker's network hook, so the relay registration finds the addresses runsc restore moved", () => {
    restoreArgv(['--image-path', '/img', '--detach', '--pid-file', join(bundle, 'init.pid'), '--bundle', bundle]);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { hooks: { prestart: { path: string; args: string[] }[] } };
    expect(spec.hooks.prestart.map((h) => h.args[0])).toEqual(['libnetwork-setkey', 'msb-network-snapshot']);
    expect(spec.hooks.prestart[1]?.args.at(-1)).toBe(join(containerPaths(root, id).dir, 'net-at-restore'));
  });

  it('refuses a flag runsc cannot honour before writing anything', () => {
    let err: unknown;
    try {
      restoreArgv(['--image-path', '/img', '--lazy-pages', '--bundle', bundle]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).message).toMatch(/^gvisor: restore --lazy-pages is not supported: runsc has no lazy restore/);
    expect(calls()).toEqual([]);
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
  });

  it('refuses a container under an enforced egress profile before writing anything (the restored workload would run before its rules)', () => {
    const p = parseRuntimeArgv(['restore', '--image-path', '/img', '--detach', '--bundle', bundle, id]);
    expect(() => restore({ ...globals(), egress: 'airgapped' }, id, { bundle }, p.flags, {})).toThrow(
      /^gvisor: a container with egress profile "airgapped" cannot be restored from a checkpoint by this msb build/,
    );
    expect(calls()).toEqual([]);
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
  });

  it("a failed runsc restore leaves nothing behind and reports runsc's reason", () => {
    fake.failWith('restore: image is corrupt', 'restore');
    expect(() => restoreArgv(['--image-path', '/img', '--detach', '--bundle', bundle])).toThrow(/gvisor: restore failed \(exit 1\): restore: image is corrupt/);
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
  });
});
