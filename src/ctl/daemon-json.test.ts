import { describe, expect, it } from 'vitest';
import { MsbError } from '../base/errors.js';
import { addRuntime, type DaemonConfig, formatDaemonJson, parseDaemonJson, removeRuntime, validateRuntimeName } from './daemon-json.js';

const MSB = { path: '/opt/msb/shim/msb-runtime' };
const OTHERS: DaemonConfig = {
  'log-driver': 'json-file',
  'log-opts': { 'max-size': '10m' },
  runtimes: { 'runsc-raw': { path: '/tmp/runsc-raw' }, runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace'] } },
};

describe('addRuntime', () => {
  const cases: { name: string; config: DaemonConfig; args?: string[]; makeDefault?: boolean; want: DaemonConfig; changes: number }[] = [
    { name: 'adds runtimes to an empty config', config: {}, want: { runtimes: { msb: MSB } }, changes: 1 },
    {
      name: 'adds beside other runtimes and keeps every other key',
      config: OTHERS,
      want: { ...OTHERS, runtimes: { ...(OTHERS.runtimes as object), msb: MSB } },
      changes: 1,
    },
    {
      name: 'writes runtimeArgs when given',
      config: {},
      args: ['--isolation=gvisor'],
      want: { runtimes: { msb: { ...MSB, runtimeArgs: ['--isolation=gvisor'] } } },
      changes: 1,
    },
    { name: 'replaces a registration with another path', config: { runtimes: { msb: { path: '/old' } } }, want: { runtimes: { msb: MSB } }, changes: 1 },
    {
      name: 'replaces a registration with other runtimeArgs, dropping them when none are given',
      config: { runtimes: { msb: { ...MSB, runtimeArgs: ['--debug'] } } },
      want: { runtimes: { msb: MSB } },
      changes: 1,
    },
    { name: 'changes nothing when the same registration exists', config: { runtimes: { msb: MSB } }, want: { runtimes: { msb: MSB } }, changes: 0 },
    {
      name: 'treats a reordered but equal registration as unchanged',
      config: { runtimes: { msb: { runtimeArgs: ['--a'], path: MSB.path } } },
      args: ['--a'],
      want: { runtimes: { msb: { runtimeArgs: ['--a'], path: MSB.path } } },
      changes: 0,
    },
    { name: 'sets default-runtime with --default', config: {}, makeDefault: true, want: { runtimes: { msb: MSB }, 'default-runtime': 'msb' }, changes: 2 },
    {
      name: 'replaces another default-runtime with --default',
      config: { runtimes: { msb: MSB }, 'default-runtime': 'runsc' },
      makeDefault: true,
      want: { runtimes: { msb: MSB }, 'default-runtime': 'msb' },
      changes: 1,
    },
    {
      name: 'leaves default-runtime alone without --default',
      config: { 'default-runtime': 'runsc' },
      want: { 'default-runtime': 'runsc', runtimes: { msb: MSB } },
      changes: 1,
    },
  ];
  it.each(cases)('$name', ({ config, args, makeDefault, want, changes }) => {
    const before = structuredClone(config);
    const edit = addRuntime(config, 'msb', { path: MSB.path, runtimeArgs: args ?? [] }, { makeDefault: makeDefault ?? false });
    expect(edit.config).toEqual(want);
    expect(edit.changes).toHaveLength(changes);
    expect(config).toEqual(before); // pure: the input is not modified
  });

  it('keeps the position of a replaced runtime and of every other key', () => {
    const config = { a: 1, runtimes: { first: { path: '/1' }, msb: { path: '/old' }, last: { path: '/2' } }, z: true };
    const edit = addRuntime(config, 'msb', MSB, { makeDefault: false });
    expect(formatDaemonJson(edit.config)).toBe(formatDaemonJson({ a: 1, runtimes: { first: { path: '/1' }, msb: MSB, last: { path: '/2' } }, z: true }));
  });
});

describe('removeRuntime', () => {
  const cases: { name: string; config: DaemonConfig; want: DaemonConfig; changes: number }[] = [
    {
      name: 'removes the runtime and keeps the others',
      config: { ...OTHERS, runtimes: { ...(OTHERS.runtimes as object), msb: MSB } },
      want: OTHERS,
      changes: 1,
    },
    { name: 'drops "runtimes" when it becomes empty', config: { debug: true, runtimes: { msb: MSB } }, want: { debug: true }, changes: 1 },
    {
      name: 'points default-runtime that named it back at runc',
      config: { runtimes: { msb: MSB, x: MSB }, 'default-runtime': 'msb' },
      want: { runtimes: { x: MSB }, 'default-runtime': 'runc' },
      changes: 2,
    },
    {
      name: 'keeps a default-runtime naming another runtime',
      config: { runtimes: { msb: MSB }, 'default-runtime': 'runsc' },
      want: { 'default-runtime': 'runsc' },
      changes: 1,
    },
    { name: 'is a no-op when the runtime is not registered', config: OTHERS, want: OTHERS, changes: 0 },
    { name: 'is a no-op on an empty config', config: {}, want: {}, changes: 0 },
    {
      name: 'resets a dangling default-runtime even without the runtime',
      config: { 'default-runtime': 'msb' },
      want: { 'default-runtime': 'runc' },
      changes: 1,
    },
  ];
  it.each(cases)('$name', ({ config, want, changes }) => {
    const before = structuredClone(config);
    const edit = removeRuntime(config, 'msb');
    expect(edit.config).toEqual(want);
    expect(edit.changes).toHaveLength(changes);
    expect(config).toEqual(before);
  });

  it('says default-runtime goes back to runc', () => {
    expect(removeRuntime({ runtimes: { msb: MSB }, 'default-runtime': 'msb' }, 'msb').changes.join('\n')).toContain('set "default-runtime" back to "runc"');
  });
});

describe('parseDaemonJson', () => {
  it.each([
    { text: '{"debug": true}', want: { debug: true } },
    { text: '', want: {} },
    { text: ' \n', want: {} },
    { text: '{"runtimes": {}}', want: { runtimes: {} } },
  ])('parses $text', ({ text, want }) => {
    expect(parseDaemonJson(text, '/etc/docker/daemon.json')).toEqual(want);
  });

  it.each([
    { text: '{"debug": true,}', message: /daemon\.json is not valid JSON \(.+\)/ },
    { text: '{bad', message: /daemon\.json is not valid JSON/ },
    { text: '[]', message: /must hold a JSON object, not an array/ },
    { text: '"x"', message: /must hold a JSON object, not a string/ },
    { text: 'null', message: /must hold a JSON object, not null/ },
    { text: '{"runtimes": []}', message: /"runtimes" must be a JSON object, not an array/ },
  ])('refuses $text, naming the file', ({ text, message }) => {
    const err = captureError(() => parseDaemonJson(text, '/etc/docker/daemon.json'));
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe('invalid-argument');
    expect((err as MsbError).message).toContain('/etc/docker/daemon.json');
    expect((err as MsbError).message).toMatch(message);
  });
});

describe('formatDaemonJson', () => {
  it('indents by two spaces and ends with a newline', () => {
    expect(formatDaemonJson({ runtimes: { msb: { path: '/p' } } })).toBe('{\n  "runtimes": {\n    "msb": {\n      "path": "/p"\n    }\n  }\n}\n');
  });
});

describe('validateRuntimeName', () => {
  it.each(['msb', 'msb-ctltest', 'runsc.raw', 'a', '9_x'])('accepts %s', (name) => {
    expect(validateRuntimeName(name)).toBe(name);
  });
  it.each(['', '-msb', '.msb', '_msb', 'msb/x', 'ms b', 'msb\n', '__proto__'])('refuses %j', (name) => {
    expect(() => validateRuntimeName(name)).toThrow(/invalid runtime name/);
  });
  it.each(['runc', 'io.containerd.runc.v2'])('refuses to shadow %s', (name) => {
    expect(() => validateRuntimeName(name)).toThrow(/reserved by Docker/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
