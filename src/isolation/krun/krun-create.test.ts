// create with the krun backend and a recording fake runc: what create writes (record, launcher,
// the VMM's root skeleton, entry script, disk volume, the rewritten config.json), the runc call,
// and that a failing runc leaves nothing behind. Real runc, msb and Docker: test/docker/krun.test.ts.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { create } from '../../oci/commands/create.js';
import { MsbError } from '../../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from '../../oci/global-options.js';
import { containerPaths } from '../../base/paths.js';
import type { ContainerRecord } from '../../base/record.js';
import { which } from '../../base/which.js';

const skip = which('tini-static') && which('mkfs.ext4') ? undefined : 'tini-static or mkfs.ext4 is not installed';
if (skip) console.warn(`SKIP krun create with a fake runc: ${skip}`);

const base = mkdtempSync(join(tmpdir(), 'msb-krun-create-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const fakeDir = join(base, 'fake');
mkdirSync(fakeDir);
const runc = join(fakeDir, 'runc');
// Records each call (NUL-separated argv per file); create fails like runc when ./fail exists.
writeFileSync(
  runc,
  `#!/bin/sh
here=\${0%/*}
n=$(ls "$here/calls" | wc -l)
printf '%s\\0' "$@" >"$here/calls/$n"
log=; cmd=
while [ $# -gt 0 ]; do case $1 in --log) log=$2; shift ;; create | delete) cmd=$1 ;; esac; shift; done
if [ "$cmd" = create ] && [ -e "$here/fail" ]; then printf '{"level":"error","msg":"runc create failed: boom","time":"t"}\\n' >>"$log"; exit 1; fi
exit 0
`,
);
chmodSync(runc, 0o755);

const calls = (): string[][] =>
  readdirSync(join(fakeDir, 'calls'))
    .sort((a, b) => Number(a) - Number(b))
    .map((f) =>
      readFileSync(join(fakeDir, 'calls', f), 'utf8')
        .split('\0')
        .slice(0, -1),
    );

let n = 0;
let root = '';
let bundle = '';
let log = '';
let volumes = '';
let policy = '';

beforeEach(() => {
  const dir = join(base, `case-${n++}`);
  root = join(dir, 'root');
  bundle = join(dir, 'bundle');
  log = join(dir, 'log.json');
  volumes = join(dir, 'volumes');
  policy = join(dir, 'policy.json');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
  const spec = {
    ociVersion: '1.0.2-dev',
    process: { args: ['sleep', '60'], cwd: '/', env: ['A=1'], user: { uid: 1000, gid: 1000 } },
    root: { path: 'rootfs' },
    hostname: 'web',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/etc/hosts', type: 'bind', source: join(dir, 'hosts'), options: ['rbind'] },
    ],
    linux: { namespaces: [{ type: 'network' }, { type: 'mount' }], resources: { memory: { limit: 512 * 1024 * 1024 } } },
  };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  writeFileSync(policy, JSON.stringify({ krun: { runc, hostCheck: 'warn', dockerVolumeMiB: 8, volumeDirectory: volumes } }));
  rmSync(join(fakeDir, 'calls'), { recursive: true, force: true });
  mkdirSync(join(fakeDir, 'calls'));
  rmSync(join(fakeDir, 'fail'), { force: true });
});

const g = (): GlobalOptions => ({ ...defaultGlobalOptions(), root, log, logFormat: 'json', policy, isolation: 'krun' });

describe.skipIf(skip !== undefined)('create with the krun backend', () => {
  it('writes the record, launcher, VMM root, entry script and disk volume, rewrites config.json and runs runc create', () => {
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    create(g(), 'k1', { bundle, pidFile: join(bundle, 'init.pid') }, {});
    const paths = containerPaths(root, 'k1');
    expect(calls()).toEqual([
      [
        '--root',
        join(paths.stateDir, 'runc'),
        '--log',
        log,
        '--log-format',
        'json',
        'create',
        '--bundle',
        bundle,
        '--pid-file',
        join(bundle, 'init.pid'),
        'k1',
      ],
    ]);
    const record = JSON.parse(readFileSync(paths.record, 'utf8')) as ContainerRecord;
    expect(record.backend).toBe('krun');
    expect(record.backendSummary).toMatchObject({
      runc,
      vmmHeadroomMiB: 96,
      vm: { name: 'c-k1', user: '1000:1000', hostname: 'web', resources: { memoryMiB: 416 } },
    });
    expect(readFileSync(paths.originalConfig, 'utf8')).toBe(original);
    expect(readFileSync(paths.launcher, 'utf8')).toContain('msb_backend=krun');
    const vmmRoot = join(paths.dir, 'vmm-root');
    expect(existsSync(join(vmmRoot, 'msb'))).toBe(true);
    for (const dir of ['/lib', '/lib64', '/bin', '/sbin']) {
      if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) expect(readlinkSync(join(vmmRoot, dir))).toBe(readlinkSync(dir));
    }
    expect(readFileSync(join(paths.dir, 'entry.sh'), 'utf8')).toContain('trap : HUP INT QUIT TERM USR1 USR2');
    expect(lstatSync(join(volumes, 'k1.img')).size).toBe(8 * 1024 * 1024);
    const rewritten = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { root: { path: string }; process: { args: string[] } };
    expect(rewritten.root.path).toBe(vmmRoot);
    expect(rewritten.process.args.slice(0, 5)).toEqual(['/msb/bin/tini', '-g', '--', '/bin/sh', '/msb/entry.sh']);
    expect(rewritten.process.args).toContain('--mount-disk');
  });

  it('a failing runc create leaves nothing: runc delete --force, no record, no volume, config.json restored', () => {
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    writeFileSync(join(fakeDir, 'fail'), '');
    let err: unknown;
    try {
      create(g(), 'k2', { bundle }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).message).toBe('krun: create failed (exit 1): runc create failed: boom');
    const paths = containerPaths(root, 'k2');
    expect(calls().map((c) => c.filter((a) => a === 'create' || a === 'delete' || a === '--force'))).toEqual([['create'], ['delete', '--force']]);
    expect(existsSync(paths.dir)).toBe(false);
    expect(existsSync(join(volumes, 'k2.img'))).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
  });
});
