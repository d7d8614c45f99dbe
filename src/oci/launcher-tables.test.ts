// shim/msb-runtime against the TypeScript definitions it is generated from: the committed section
// must be what src/oci/launcher-tables.ts renders now, and the real launcher (run with /bin/sh,
// as Docker runs it, against a fake container record whose backend prints what it was given)
// must read every global and command flag form argv.ts accepts the way argv.ts reads it, refuse
// the ids paths.ts refuses, use containerPaths' files, and write log.ts's lines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MsbError, oneLine } from '../base/errors.js';
import { formatLogLine, type LogFormat } from '../base/log.js';
import { containerPaths, validateContainerId, type ContainerPaths } from '../base/paths.js';
import { CONTAINER_COMMANDS, DIRECT_NODE_COMMANDS, GLOBAL_FLAGS, NODE_COMMANDS, parseRuntimeArgv, type FlagSpec } from './argv.js';
import { backendLogArgs } from './global-options.js';
import { BEGIN_MARK, END_MARK, PATH_VARIABLES, renderLauncherTables, spliceLauncherTables } from './launcher-tables.js';

const SHIM = fileURLToPath(new URL('../../shim/msb-runtime', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'msb-launcher-tables-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'root');
const ID = 'abc';

/** The fake record's launcher: every container command goes to a backend that prints its state and arguments. */
function writeFakeRecord(): ContainerPaths {
  const paths = containerPaths(root, ID);
  rmSync(paths.dir, { recursive: true, force: true });
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(
    paths.launcher,
    [
      'msb_backend=fake',
      `msb_commands=' ${Object.keys(CONTAINER_COMMANDS).join(' ')} '`,
      "msb_quirk_commands=' '",
      `msb_bundle='${join(base, 'no bundle')}'`,
      'msb_exec() { printf \'%s\\0\' "$msb_root" "$msb_id" "$msb_log" "$msb_log_format" "$msb_debug" "$msb_force" "$@"; exit 0; }',
      '',
    ].join('\n'),
  );
  return paths;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Run {
  const r = spawnSync('/bin/sh', [SHIM, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Seen {
  root: string;
  id: string;
  log: string;
  logFormat: string;
  debug: boolean;
  force: boolean;
  args: string[];
}

function seen(r: Run): Seen {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [rootSeen, id, log, logFormat, debug, force, ...args] = r.stdout.split('\0').slice(0, -1);
  return { root: rootSeen ?? '', id: id ?? '', log: log ?? '', logFormat: logFormat ?? '', debug: debug === '1', force: force === '1', args };
}

function nodeError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    return `msb: ${oneLine((err as MsbError).message)}`;
  }
  throw new Error('expected argv.ts to refuse it');
}

/** forms are the spellings of a flag argv.ts accepts, each with what it means. */
function forms(spec: FlagSpec, value: string): { args: string[]; bool?: boolean }[] {
  const names = [spec.name, ...(spec.aliases ?? [])].flatMap((n) => [`--${n}`, `-${n}`]);
  if (spec.value) return names.flatMap((n) => [{ args: [n, value] }, { args: [`${n}=${value}`] }]);
  return names.flatMap((n) => [
    { args: [n], bool: true },
    { args: [`${n}=true`], bool: true },
    { args: [`${n}=false`], bool: false },
    { args: [`${n}=0`], bool: true },
  ]);
}

beforeEach(() => {
  writeFakeRecord();
});

describe('the generated section of shim/msb-runtime', () => {
  it('is what src/oci/launcher-tables.ts renders from argv.ts, paths.ts and log.ts now (run `npm run gen:launcher`)', () => {
    const launcher = readFileSync(SHIM, 'utf8');
    expect(launcher).toContain(BEGIN_MARK);
    expect(launcher).toContain(END_MARK);
    expect(spliceLauncherTables(launcher, renderLauncherTables())).toBe(launcher);
  });

  it('would catch a change: a flag added to argv.ts changes the rendered section', () => {
    const before = renderLauncherTables();
    const flags = CONTAINER_COMMANDS.kill as FlagSpec[];
    flags.push({ name: 'signal-all', value: true, help: 'test only' });
    try {
      const after = renderLauncherTables();
      expect(after).not.toBe(before);
      expect(after).toContain("kill) msb_v=' signal-all ' ;;");
    } finally {
      flags.pop();
    }
  });

  it('refuses a launcher without exactly one section', () => {
    expect(() => spliceLauncherTables('#!/bin/sh\n', renderLauncherTables())).toThrow(/one generated section/);
    const twice = `${BEGIN_MARK}\n${END_MARK}\n${BEGIN_MARK}\n${END_MARK}\n`;
    expect(() => spliceLauncherTables(twice, renderLauncherTables())).toThrow(/one generated section/);
  });
});

describe('argv.ts names every command the launcher routes', () => {
  it("each Node command is direct, a container command, create, or the launcher's own dns-at-start", () => {
    for (const command of Object.keys(NODE_COMMANDS)) {
      expect([...DIRECT_NODE_COMMANDS, ...Object.keys(CONTAINER_COMMANDS), 'create', 'dns-at-start']).toContain(command);
    }
  });

  it("container commands Node implements too have Node's flags", () => {
    for (const command of Object.keys(CONTAINER_COMMANDS).filter((c) => NODE_COMMANDS[c])) {
      expect(CONTAINER_COMMANDS[command]).toBe(NODE_COMMANDS[command]?.flags);
    }
  });
});

describe('global flags: the launcher reads each form as argv.ts does', () => {
  const log = join(base, 'runtime.log');
  const values: Record<string, string> = { root, log, 'log-format': 'json' };
  const cases = GLOBAL_FLAGS.flatMap((spec) => forms(spec, values[spec.name] ?? 'v-1').map((f) => ({ name: `${f.args.join(' ')}`, spec, args: f.args })));

  it.each(cases)('$name', ({ spec, args }) => {
    const globals = spec.name === 'root' ? args : ['--root', root, ...args];
    const node = parseRuntimeArgv([...globals, 'features']).global;
    const sh = seen(run([...globals, 'state', ID]));
    expect(sh.root).toBe(node.root);
    expect(sh.id).toBe(ID);
    expect(sh.log).toBe(node.log ?? '');
    expect(sh.logFormat).toBe(node.logFormat);
    expect(sh.debug).toBe(node.debug);
    // What the backend is given: Node's backendLogArgs, then the command.
    expect(sh.args).toEqual([...backendLogArgs(node), 'state', ID]);
  });

  it('the last of a repeated flag wins, booleans included', () => {
    const globals = ['--root', '/elsewhere', `-root=${root}`, '--debug', '-debug=false', '--log-format', 'json', '-log-format=text'];
    const node = parseRuntimeArgv([...globals, 'features']).global;
    const sh = seen(run([...globals, 'state', ID]));
    expect([sh.root, sh.debug, sh.logFormat]).toEqual([node.root, node.debug, node.logFormat]);
    expect([sh.root, sh.debug, sh.logFormat]).toEqual([root, false, 'text']);
  });

  it.each(GLOBAL_FLAGS.filter((s) => s.value).flatMap((s) => [`--${s.name}`, `-${s.name}`]))(
    '%s without its value is refused as argv.ts refuses it',
    (flag) => {
      const r = run([flag]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${nodeError(() => parseRuntimeArgv([flag]))}\n`);
    },
  );

  it.each([['--nope'], ['-x=1'], ['--root-dir', '/r'], ['--a"b\\c\td\n  e']])('an undefined flag %j is refused as argv.ts refuses it', (...flag) => {
    const r = run([...flag, 'state', ID]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${nodeError(() => parseRuntimeArgv([...flag, 'features']))}\n`);
  });

  it.each([['--log-format', 'xml'], ['--log-format=']])('%s %s is refused as argv.ts refuses it', (...flag) => {
    const r = run(['--root', root, ...flag, 'state', ID]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${nodeError(() => parseRuntimeArgv([...flag, 'features']))}\n`);
  });
});

describe('command flags: the launcher finds the id past each flag form argv.ts accepts', () => {
  const cases = Object.entries(CONTAINER_COMMANDS).flatMap(([command, specs]) =>
    specs.flatMap((spec) => forms(spec, 'v-1').map((f) => ({ name: `${command} ${f.args.join(' ')}`, command, args: f.args, bool: f.bool }))),
  );

  it.each(cases)('$name', ({ command, args, bool }) => {
    const sh = seen(run(['--root', root, command, ...args, ID, 'tail']));
    expect(sh.id).toBe(ID);
    expect(sh.args).toEqual([command, ...args, ID, 'tail']);
    if (NODE_COMMANDS[command]) expect(parseRuntimeArgv(['--root', root, command, ...args, ID]).operands[0]).toBe(ID);
    if (command === 'delete') expect(sh.force).toBe(bool === true);
  });

  it('a command flag without its value is refused', () => {
    const r = run(['--root', root, 'exec', ID, '--process']);
    expect(r.status).toBe(0); // after the id: the backend's to judge
    const bad = run(['--root', root, 'exec', '--process']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('msb: exec: flag needs an argument: --process\n');
  });
});

describe('container ids: the launcher refuses what validateContainerId refuses', () => {
  const ids = [
    'abc',
    'a+b',
    'a.',
    'a..b',
    'A_Z',
    '0',
    'x-y.z_1',
    '',
    '.',
    '..',
    '.x',
    'a/b',
    '../etc',
    '/abs',
    'a b',
    'a\nb',
    'abc\n',
    'a:b',
    'a$b',
    'ü',
    'a*',
    'a[b]',
    '-',
  ];

  it.each(ids)('%j', (id) => {
    let valid = true;
    try {
      validateContainerId(id);
    } catch {
      valid = false;
    }
    const r = run(['--root', root, 'state', '--', id]);
    expect(r.status).toBe(valid && id === ID ? 0 : 1);
    if (!valid) expect(r.stderr).toMatch(id === '' ? /^msb: state: container id cannot be empty\n$/ : /^msb: state: invalid container id "/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ids with control characters are the case under test
    if (!valid && !/[\0-\x1f]/.test(id)) expect(r.stderr).toBe(`msb: state: ${nodeError(() => validateContainerId(id)).slice('msb: '.length)}\n`);
    if (valid && id !== ID) expect(r.stderr).toBe(`msb: container ${id} does not exist\n`);
  });
});

describe("paths: the launcher uses containerPaths' files", () => {
  it("msb_container_paths sets each of containerPaths' fields", () => {
    const launcher = readFileSync(SHIM, 'utf8');
    const section = launcher.slice(launcher.indexOf(BEGIN_MARK), launcher.indexOf(END_MARK));
    const file = join(base, 'section.sh');
    writeFileSync(file, section);
    const vars = Object.values(PATH_VARIABLES)
      .map((v) => `"$${v}"`)
      .join(' ');
    const r = spawnSync(
      '/bin/sh',
      ['-c', `. "$0"; msb_container_paths "$1" "$2"; printf '%s\\0' ${vars}`, file, '/var/run/docker/runtime-runc/moby', 'c0ffee'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const paths = containerPaths('/var/run/docker/runtime-runc/moby', 'c0ffee');
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(Object.keys(PATH_VARIABLES).map((k) => paths[k as keyof ContainerPaths]));
  });

  it('delete gives the bundle ContainerPaths.originalConfig back and removes the record', () => {
    const paths = writeFakeRecord();
    const bundle = join(base, 'bundle');
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'config.json'), 'rewritten');
    writeFileSync(paths.originalConfig, Buffer.from([0x7b, 0xff, 0x7d]));
    writeFileSync(paths.launcher, `${readFileSync(paths.launcher, 'utf8')}msb_bundle='${bundle}'\n`);
    const r = run(['--root', root, 'delete', ID]);
    expect(r.status).toBe(0);
    expect(readFileSync(join(bundle, 'config.json')).equals(Buffer.from([0x7b, 0xff, 0x7d]))).toBe(true);
    expect(existsSync(paths.dir)).toBe(false);
  });

  it('delete --force of a record without a launcher (a create cut short) runs its cleanup fragment', () => {
    const paths = writeFakeRecord();
    rmSync(paths.launcher);
    const marker = join(base, 'stopped');
    writeFileSync(paths.cleanup, `msb_stop_backend() { : >'${marker}'; }\n`);
    expect(run(['--root', root, 'delete', ID]).stderr).toBe(`msb: container ${ID} does not exist\n`);
    expect(run(['--root', root, 'delete', '-f', ID]).status).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(paths.dir)).toBe(false);
  });
});

describe("log lines: the launcher writes log.ts's lines", () => {
  const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

  it.each<[LogFormat, string]>([
    ['json', '--a"b\\c\td\n  e'],
    ['text', '--a"b\\c\td\n  e'],
    ['json', '--plain'],
  ])("%s: an error line for %j, as Node writes it but for the time's precision", (format, flag) => {
    const log = join(base, `log-${format}.txt`);
    rmSync(log, { force: true });
    writeFileSync(log, 'runsc left this unterminated');
    const r = run(['--log', log, '--log-format', format, flag, 'state', ID]);
    expect(r.status).toBe(1);
    const msg = nodeError(() => parseRuntimeArgv([flag, 'features']));
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('runsc left this unterminated');
    expect(lines[2]).toBe('');
    const line = lines[1] ?? '';
    const time = (format === 'json' ? (JSON.parse(line) as { time: string }).time : /^time="([^"]*)"/.exec(line)?.[1]) ?? '';
    expect(time).toMatch(TIME);
    const node = formatLogLine('error', msg, format, new Date(0)).replace('1970-01-01T00:00:00.000Z', time);
    expect(`${line}\n`).toBe(node);
  });
});
