import { describe, expect, it } from 'vitest';
import { MsbError } from '../base/errors.js';
import type { DoctorCommandOptions } from './commands/doctor.js';
import type { FleetAuditOptions } from './commands/fleet-audit.js';
import type { FleetMigrateOptions } from './commands/fleet-migrate.js';
import type { HardenOptions } from './commands/harden.js';
import type { InstallOptions } from './commands/install.js';
import type { SocketsOptions } from './commands/sockets.js';
import type { TranslateOptions } from './commands/translate.js';
import type { UninstallOptions } from './commands/uninstall.js';
import { type CtlActions, runMsbctl } from './program.js';
import { defaultRuntimePath } from './runtime-path.js';

/** run parses argv with recording actions and captured output. */
async function run(argv: string[], failWith?: Error) {
  const calls: {
    install: InstallOptions[];
    uninstall: UninstallOptions[];
    sockets: SocketsOptions[];
    doctor: DoctorCommandOptions[];
    harden: HardenOptions[];
    fleetAudit: FleetAuditOptions[];
    fleetMigrate: FleetMigrateOptions[];
    translate: TranslateOptions[];
    dns: string[];
  } = { install: [], uninstall: [], sockets: [], doctor: [], harden: [], fleetAudit: [], fleetMigrate: [], translate: [], dns: [] };
  const actions: CtlActions = {
    install: (o) => {
      calls.install.push(o);
      if (failWith) throw failWith;
    },
    uninstall: (o) => void calls.uninstall.push(o),
    sockets: async (o) => void calls.sockets.push(o),
    doctor: async (o) => {
      calls.doctor.push(o);
      return 2;
    },
    harden: (o) => void calls.harden.push(o),
    fleetAudit: async (o) => void calls.fleetAudit.push(o),
    fleetMigrate: async (o) => void calls.fleetMigrate.push(o),
    translate: (o) => void calls.translate.push(o),
    dnsServe: async () => void calls.dns.push('serve'),
    dnsStatus: async (o) => void calls.dns.push(`status ${o.json}`),
    egressStatus: (o) => void calls.dns.push(`egress status ${o.container ?? '*'} ${o.root} ${o.json}`),
    egressLog: async (o) => void calls.dns.push(`egress log ${JSON.stringify(o)}`),
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
      {
        name: 'msb-raw',
        path: '/tmp/runsc-raw',
        runtimeArgs: ['--isolation=gvisor', '--debug'],
        makeDefault: false,
        config: '/etc/docker/daemon.json',
        dryRun: false,
        reload: true,
      },
    ]);
  });

  it("defaults the name to msb and the path to this checkout's shim", async () => {
    const r = await run(['install', '--default', '--dry-run', '--no-reload', '--config', '/tmp/d.json']);
    expect(r.calls.install).toEqual([
      { name: 'msb', path: defaultRuntimePath(), runtimeArgs: [], makeDefault: true, config: '/tmp/d.json', dryRun: true, reload: false },
    ]);
  });

  it('maps the uninstall flags', async () => {
    const r = await run(['uninstall', '--name', 'msb-raw']);
    expect(r.calls.uninstall).toEqual([{ name: 'msb-raw', config: '/etc/docker/daemon.json', dryRun: false, reload: true }]);
  });

  it("maps the sockets argument and flags, with Docker's runtime root by default", async () => {
    expect((await run(['sockets', 'web'])).calls.sockets).toEqual([{ container: 'web', root: '/var/run/docker/runtime-runc/moby', json: false }]);
    expect((await run(['sockets', '--root', '/run/msb', '--json', 'abc'])).calls.sockets).toEqual([{ container: 'abc', root: '/run/msb', json: true }]);
    expect((await run(['sockets'])).err).toMatch(/^msbctl: missing required argument 'container'/);
  });

  it('maps the doctor flags and exits with the status doctor returns', async () => {
    const r = await run(['doctor', '--json', '--policy', '/tmp/p.json']);
    expect(r.status).toBe(2);
    expect(r.calls.doctor).toEqual([{ json: true, verbose: false, config: '/etc/docker/daemon.json', policy: '/tmp/p.json' }]);
    expect((await run(['doctor', '-v', '--config', '/tmp/d.json'])).calls.doctor).toEqual([{ json: false, verbose: true, config: '/tmp/d.json' }]);
    expect((await run(['doctor', '--runtime', 'msb-gvisor'])).calls.doctor).toEqual([
      { json: false, verbose: false, config: '/etc/docker/daemon.json', runtime: 'msb-gvisor' },
    ]);
  });

  it('maps the harden files and flags', async () => {
    expect((await run(['harden', 'a.yml', 'b.yml'])).calls.harden).toEqual([
      { files: ['a.yml', 'b.yml'], runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false },
    ]);
    const r = await run([
      'harden',
      '--runtime',
      'msb-krun',
      '--isolation',
      'krun',
      '--force',
      '--exclude',
      'db',
      '--exclude=cache',
      '--check',
      '--dry-run',
      '--diff',
      'c.yml',
    ]);
    expect(r.calls.harden).toEqual([
      { files: ['c.yml'], runtime: 'msb-krun', isolation: 'krun', force: true, exclude: ['db', 'cache'], check: true, dryRun: true, diff: true },
    ]);
    expect((await run(['harden', '--egress', 'public-only', '--policy', '/p.json', 'c.yml'])).calls.harden).toEqual([
      { files: ['c.yml'], runtime: 'msb', egress: 'public-only', policy: '/p.json', force: false, exclude: [], check: false, dryRun: false, diff: false },
    ]);
    expect((await run(['harden'])).err).toMatch(/^msbctl: missing required argument 'file'/);
  });

  it('maps the fleet audit and migrate flags', async () => {
    expect((await run(['fleet', 'audit'])).calls.fleetAudit).toEqual([{ json: false, check: false, root: '/var/run/docker/runtime-runc/moby' }]);
    expect((await run(['fleet', 'audit', '--json', '--check'])).calls.fleetAudit).toEqual([
      { json: true, check: true, root: '/var/run/docker/runtime-runc/moby' },
    ]);
    expect((await run(['fleet', 'migrate', 'web', 'db'])).calls.fleetMigrate).toEqual([
      { names: ['web', 'db'], runtime: 'msb', dryRun: false, keepOld: false },
    ]);
    expect((await run(['fleet', 'migrate', '--runtime', 'msb-krun', '--dry-run', '--keep-old', 'web'])).calls.fleetMigrate).toEqual([
      { names: ['web'], runtime: 'msb-krun', dryRun: true, keepOld: true },
    ]);
    expect((await run(['fleet', 'migrate'])).err).toMatch(/^msbctl: missing required argument 'name'/);
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

  it("prints a command's error as one msbctl: line", async () => {
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

describe('msbctl dns', () => {
  it('dispatches serve and status --json', async () => {
    expect((await run(['dns', 'serve'])).calls.dns).toEqual(['serve']);
    expect((await run(['dns', 'status', '--json'])).calls.dns).toEqual(['status true']);
    expect((await run(['egress', 'status'])).calls.dns).toEqual(['egress status * /var/run/docker/runtime-runc/moby false']);
    expect((await run(['egress', 'status', 'abc123', '--root', '/r', '--json'])).calls.dns).toEqual(['egress status abc123 /r true']);
    expect((await run(['egress', 'log'])).calls.dns).toEqual([`egress log ${JSON.stringify({ json: false, follow: false, stateDir: '/run/msb-dns' })}`]);
    expect((await run(['egress', 'log', 'web', '--since', '10m', '--json', '--follow', '--state-dir', '/s'])).calls.dns).toEqual([
      `egress log ${JSON.stringify({ container: 'web', since: '10m', json: true, follow: true, stateDir: '/s' })}`,
    ]);
    expect((await run(['dns', 'status'])).calls.dns).toEqual(['status false']);
  });
});

describe('msbctl translate', () => {
  it('maps --bundle, --id, --policy and --isolation', async () => {
    expect((await run(['translate', '--bundle', '/b', '--isolation', 'krun', '--policy', '/p.json', '--id', 'x1'])).calls.translate).toEqual([
      { bundle: '/b', id: 'x1', policy: '/p.json', isolation: 'krun' },
    ]);
    expect((await run(['translate', '--bundle', '/b'])).calls.translate).toEqual([{ bundle: '/b', id: 'msbctl-translate' }]);
  });

  it('requires --bundle', async () => {
    const r = await run(['translate']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^msbctl: required option '--bundle <dir>' not specified/);
  });
});
