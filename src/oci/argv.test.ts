import { describe, expect, it } from 'vitest';
import { parseRuntimeArgv } from './argv.js';
import { MsbError } from '../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from './global-options.js';
import { DEFAULT_ROOT } from '../base/paths.js';

function errorOf(fn: () => unknown): MsbError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    return err as MsbError;
  }
  throw new Error('expected an error');
}

const DOCKER_ROOT = '/var/run/docker/runtime-runc/moby';
const LOG = '/run/containerd/io.containerd.runtime.v2.task/moby/abc/log.json';

describe('parseRuntimeArgv: global flags', () => {
  const cases: Array<{ name: string; argv: string[]; global: Partial<GlobalOptions> }> = [
    { name: 'no flags: defaults', argv: ['features'], global: {} },
    {
      name: 'Docker create (--flag value)',
      argv: ['--root', DOCKER_ROOT, '--log', LOG, '--log-format', 'json', 'features'],
      global: { root: DOCKER_ROOT, log: LOG, logFormat: 'json' },
    },
    {
      name: '--flag=value',
      argv: [`--root=${DOCKER_ROOT}`, `--log=${LOG}`, '--log-format=json', 'features'],
      global: { root: DOCKER_ROOT, log: LOG, logFormat: 'json' },
    },
    {
      name: 'single-dash long flags, as urfave/cli accepts',
      argv: ['-root', '/r', '-log-format', 'text', 'features'],
      global: { root: '/r', logFormat: 'text' },
    },
    { name: 'a value containing =', argv: ['--log=/tmp/a=b.json', 'features'], global: { log: '/tmp/a=b.json' } },
    { name: '--debug', argv: ['--debug', 'features'], global: { debug: true } },
    { name: '--debug=false', argv: ['--debug=false', 'features'], global: { debug: false } },
    { name: '--systemd-cgroup', argv: ['--systemd-cgroup', 'features'], global: { systemdCgroup: true } },
    {
      name: 'runc-only flags with values',
      argv: ['--rootless', 'auto', '--criu=/usr/sbin/criu', 'features'],
      global: { rootless: 'auto', criu: '/usr/sbin/criu' },
    },
    {
      name: "runtimeArgs (--isolation=gvisor) before Docker's flags",
      argv: ['--isolation=gvisor', '--root', DOCKER_ROOT, '--log', LOG, '--log-format', 'json', 'features'],
      global: { isolation: 'gvisor', root: DOCKER_ROOT, log: LOG, logFormat: 'json' },
    },
    {
      name: '--isolation value and --policy',
      argv: ['--isolation', 'krun', '--policy', '/etc/msb/p.json', 'features'],
      global: { isolation: 'krun', policy: '/etc/msb/p.json' },
    },
    { name: 'the last of a repeated flag wins', argv: ['--root', '/a', '--root', '/b', 'features'], global: { root: '/b' } },
  ];

  it.each(cases)('$name', ({ argv, global }) => {
    const parsed = parseRuntimeArgv(argv);
    expect(parsed.global).toEqual({ ...defaultGlobalOptions(), ...global });
    expect(parsed.command).toBe('features');
  });

  it("defaults to msb's own state root and text logs", () => {
    expect(parseRuntimeArgv(['features']).global).toEqual({ root: DEFAULT_ROOT, logFormat: 'text', debug: false, systemdCgroup: false });
  });

  it.each([
    [['--log-format', 'xml', 'features'], /invalid --log-format xml \(json or text\)/],
    [['--log-format=', 'features'], /invalid --log-format/],
    [['--bogus', 'features'], /flag provided but not defined: --bogus/],
    [['--bundle', 'x', 'create', 'id'], /flag provided but not defined: --bundle/],
    [['--root'], /flag needs an argument: --root/],
    [['--log-format'], /flag needs an argument: --log-format/],
    [['--isolation'], /flag needs an argument: --isolation/],
  ])('%j is refused', (argv, message) => {
    const err = errorOf(() => parseRuntimeArgv(argv));
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(message);
  });
});

describe('parseRuntimeArgv: commands', () => {
  it("parses Docker's create exactly", () => {
    const bundle = '/run/containerd/io.containerd.runtime.v2.task/moby/abc';
    const parsed = parseRuntimeArgv([
      '--root',
      DOCKER_ROOT,
      '--log',
      `${bundle}/log.json`,
      '--log-format',
      'json',
      'create',
      '--bundle',
      bundle,
      '--pid-file',
      `${bundle}/init.pid`,
      'abc',
    ]);
    expect(parsed).toEqual({
      global: { ...defaultGlobalOptions(), root: DOCKER_ROOT, log: `${bundle}/log.json`, logFormat: 'json' },
      command: 'create',
      flags: { bundle, 'pid-file': `${bundle}/init.pid` },
      operands: ['abc'],
    });
  });

  it.each<{ name: string; argv: string[]; flags: Record<string, string | boolean>; operands: string[] }>([
    { name: '-b alias', argv: ['create', '-b', '/b', 'id'], flags: { bundle: '/b' }, operands: ['id'] },
    { name: '-b=value', argv: ['create', '-b=/b', 'id'], flags: { bundle: '/b' }, operands: ['id'] },
    { name: '--bundle=value', argv: ['create', '--bundle=/b c', 'id'], flags: { bundle: '/b c' }, operands: ['id'] },
    {
      name: 'console socket, no-pivot, no-new-keyring, preserve-fds',
      argv: ['create', '--console-socket', '/s.sock', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'id'],
      flags: { 'console-socket': '/s.sock', 'no-pivot': true, 'no-new-keyring': true, 'preserve-fds': '2' },
      operands: ['id'],
    },
    { name: 'flags after the id (urfave/cli reorders them for create)', argv: ['create', 'id', '--bundle', '/b'], flags: { bundle: '/b' }, operands: ['id'] },
    { name: 'an id after --', argv: ['create', '--', '-weird'], flags: {}, operands: ['-weird'] },
    { name: 'extra operands are kept for main to refuse', argv: ['create', 'id', 'extra'], flags: {}, operands: ['id', 'extra'] },
    { name: 'list -f json -q', argv: ['list', '-f', 'json', '-q'], flags: { format: 'json', quiet: true }, operands: [] },
    { name: 'ps --format json id', argv: ['ps', '--format', 'json', 'id'], flags: { format: 'json' }, operands: ['id'] },
    { name: 'ps args after the id', argv: ['ps', 'id', '-ef'], flags: {}, operands: ['id', '-ef'] },
    {
      name: 'ps args with values after the id',
      argv: ['ps', '--format=table', 'id', 'aux', '-o', 'pid,comm'],
      flags: { format: 'table' },
      operands: ['id', 'aux', '-o', 'pid,comm'],
    },
  ])('$name', ({ argv, flags, operands }) => {
    const parsed = parseRuntimeArgv(argv);
    expect(parsed.command).toBe(argv[0]);
    expect(parsed.flags).toEqual(flags);
    expect(parsed.operands).toEqual(operands);
  });

  it.each([
    [['create', '--bogus', 'id'], /flag provided but not defined: --bogus/],
    [['create', '--pid-file'], /flag needs an argument: --pid-file/],
    [['create', 'id', '-b'], /flag needs an argument: -b/],
    [['ps', '--format'], /flag needs an argument: --format/],
    [['frobnicate', 'id'], /unknown command "frobnicate"/],
    [['start', 'id'], /unknown command "start"/],
  ])('%j is refused', (argv, message) => {
    const err = errorOf(() => parseRuntimeArgv(argv));
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(message);
  });

  it('no command means help', () => {
    expect(parseRuntimeArgv(['--root', '/r']).command).toBe('help');
    expect(parseRuntimeArgv([]).command).toBe('help');
  });

  // shim/msb-runtime hands `-h` and `--help` to Node.
  it.each([[['--help']], [['-h']], [['--root', '/r', '--help']]])('%j means help', (argv) => {
    expect(parseRuntimeArgv(argv).command).toBe('help');
  });

  // runc's ps stops parsing flags after the container id (StopOnNthArg: 1 in runc's ps.go), so
  // `ps <id> -f` runs `ps -f`.
  it('ps passes flags that look like its own after the id through to ps', () => {
    const parsed = parseRuntimeArgv(['ps', 'id', '-e', '-f']);
    expect(parsed.flags).toEqual({});
    expect(parsed.operands).toEqual(['id', '-e', '-f']);
  });
});
