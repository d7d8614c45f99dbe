import { describe, expect, it } from 'vitest';
import { MsbError } from '../oci/errors.js';
import type { InstallOptions } from './commands/install.js';
import type { SocketsOptions } from './commands/sockets.js';
import type { UninstallOptions } from './commands/uninstall.js';
import { type CtlActions, runMsbctl } from './program.js';
import { defaultRuntimePath } from './runtime-path.js';

/** run parses argv with recording actions and captured output. */
async function run(argv: string[], failWith?: Error) {
  const calls: { install: InstallOptions[]; uninstall: UninstallOptions[]; sockets: SocketsOptions[] } = { install: [], uninstall: [], sockets: [] };
  const actions: CtlActions = {
    install: (o) => {
      calls.install.push(o);
      if (failWith) throw failWith;
    },
    uninstall: (o) => void calls.uninstall.push(o),
    sockets: async (o) => void calls.sockets.push(o),
  };
  let out = '';
  let err = '';
  const status = await runMsbctl(argv, actions, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { status, calls, out, err };
}

describe('runMsbctl', () => {
  it('maps the install flags the benchmark and tests use', async () => {
    const r = await run(['install', '--name', 'msb-raw', '--path', '/tmp/runsc-raw', '--runtime-arg', '--isolation=gvisor', '--runtime-arg=--debug']);
    expect(r.status).toBe(0);
    expect(r.calls.install).toEqual([
      { name: 'msb-raw', path: '/tmp/runsc-raw', runtimeArgs: ['--isolation=gvisor', '--debug'], makeDefault: false, config: '/etc/docker/daemon.json', dryRun: false, reload: true },
    ]);
  });

  it('defaults the name to msb and the path to this checkout\'s shim', async () => {
    const r = await run(['install', '--default', '--dry-run', '--no-reload', '--config', '/tmp/d.json']);
    expect(r.calls.install).toEqual([
      { name: 'msb', path: defaultRuntimePath(), runtimeArgs: [], makeDefault: true, config: '/tmp/d.json', dryRun: true, reload: false },
    ]);
  });

  it('maps the uninstall flags', async () => {
    const r = await run(['uninstall', '--name', 'msb-raw']);
    expect(r.calls.uninstall).toEqual([{ name: 'msb-raw', config: '/etc/docker/daemon.json', dryRun: false, reload: true }]);
  });

  it('maps the sockets argument and flags, with Docker\'s runtime root by default', async () => {
    expect((await run(['sockets', 'web'])).calls.sockets).toEqual([{ container: 'web', root: '/var/run/docker/runtime-runc/moby', json: false }]);
    expect((await run(['sockets', '--root', '/run/msb', '--json', 'abc'])).calls.sockets).toEqual([{ container: 'abc', root: '/run/msb', json: true }]);
    expect((await run(['sockets'])).err).toMatch(/^msbctl: missing required argument 'container'/);
  });

  it.each([
    { argv: ['install', '--bogus'], message: "msbctl: unknown option '--bogus'\n" },
    { argv: ['install', 'extra'], message: /^msbctl: too many arguments for 'install'/ },
    { argv: ['install', '--name'], message: "msbctl: option '--name <name>' argument missing\n" },
    { argv: ['frobnicate'], message: /^msbctl: unknown command 'frobnicate'/ },
  ])('fails with one msbctl: line and status 1 for $argv', async ({ argv, message }) => {
    const r = await run(argv);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.calls.install).toEqual([]);
  });

  it('prints a command\'s error as one msbctl: line', async () => {
    const r = await run(['install'], new MsbError('invalid-argument', 'first line\nsecond line'));
    expect(r).toMatchObject({ status: 1, err: 'msbctl: first line; second line\n', out: '' });
  });

  it('prints help on stdout with status 0', async () => {
    const r = await run(['install', '--help']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('--runtime-arg <arg>');
    expect(r.out).toContain('.msb-backup');
  });
});

describe('msbctl translate', () => {
  async function translateCalls(argv: string[]) {
    const seen: unknown[] = [];
    const actions: CtlActions = { install: () => undefined, uninstall: () => undefined, sockets: async () => undefined, translate: (o) => void seen.push(o) };
    let err = '';
    const status = await runMsbctl(argv, actions, { out: () => undefined, err: (t) => void (err += t) });
    return { status, seen, err };
  }

  it('maps --bundle, --id, --policy and --isolation', async () => {
    expect((await translateCalls(['translate', '--bundle', '/b', '--isolation', 'krun', '--policy', '/p.json', '--id', 'x1'])).seen).toEqual([{ bundle: '/b', id: 'x1', policy: '/p.json', isolation: 'krun' }]);
    expect((await translateCalls(['translate', '--bundle', '/b'])).seen).toEqual([{ bundle: '/b', id: 'msbctl-translate' }]);
  });

  it('requires --bundle', async () => {
    const r = await translateCalls(['translate']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^msbctl: required option '--bundle <dir>' not specified/);
  });
});
