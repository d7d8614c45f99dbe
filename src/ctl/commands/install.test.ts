import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { install, type InstallOptions } from './install.js';
import type { CtlDeps } from '../apply-edit.js';

const ORIGINAL = '{\n    "log-level": "warn",\n    "runtimes": {"runsc": {"path": "/usr/bin/runsc"}}\n}\n';
/** Fixture is a temp directory with daemon.json and an executable runtime, plus recording deps. */
interface Fixture {
  dir: string;
  config: string;
  runtime: string;
  lines: string[];
  deps: CtlDeps & { reload: ReturnType<typeof vi.fn> };
}

/** makeFixture builds a Fixture; daemonJson undefined leaves daemon.json missing. */
function makeFixture(daemonJson?: string, dockerdPids: number[] = [42]): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'msbctl-install-'));
  const config = join(dir, 'daemon.json');
  if (daemonJson !== undefined) writeFileSync(config, daemonJson);
  const runtime = join(dir, 'msb-runtime');
  writeFileSync(runtime, '#!/bin/sh\n');
  chmodSync(runtime, 0o755);
  const lines: string[] = [];
  const reload = vi.fn(() => ({ pids: dockerdPids, via: '/var/run/docker.pid' }));
  return { dir, config, runtime, lines, deps: { out: (line) => void lines.push(line), reload } };
}

let fx: Fixture;
afterEach(() => rmSync(fx.dir, { recursive: true, force: true }));

function options(overrides: Partial<InstallOptions> = {}): InstallOptions {
  return { name: 'msb', path: fx.runtime, runtimeArgs: [], makeDefault: false, config: fx.config, dryRun: false, reload: true, ...overrides };
}
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('install', () => {
  it('registers the runtime, keeps the rest, backs up the old file and reloads dockerd', () => {
    fx = makeFixture(ORIGINAL);
    chmodSync(fx.config, 0o600);
    install(options({ runtimeArgs: ['--isolation=gvisor'] }), fx.deps);
    expect(readJson(fx.config)).toEqual({
      'log-level': 'warn',
      runtimes: { runsc: { path: '/usr/bin/runsc' }, msb: { path: fx.runtime, runtimeArgs: ['--isolation=gvisor'] } },
    });
    expect(readFileSync(fx.config, 'utf8')).toMatch(/^\{\n {2}"log-level"[\s\S]*\}\n$/);
    expect(statSync(fx.config).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${fx.config}.msb-backup`, 'utf8')).toBe(ORIGINAL);
    expect(fx.deps.reload).toHaveBeenCalledOnce();
    expect(fx.lines).toContain(`backed up ${fx.config} to ${fx.config}.msb-backup`);
    expect(fx.lines.at(-1)).toMatch(/sent SIGHUP to dockerd \(pid 42/);
  });

  it('creates a missing daemon.json', () => {
    fx = makeFixture();
    install(options({ config: `${fx.dir}/etc/docker/daemon.json` }), fx.deps);
    expect(readJson(`${fx.dir}/etc/docker/daemon.json`)).toEqual({ runtimes: { msb: { path: fx.runtime } } });
    expect(fx.lines[0]).toBe(`created ${fx.dir}/etc/docker/daemon.json`);
  });

  it('--default also sets default-runtime', () => {
    fx = makeFixture('{}');
    install(options({ makeDefault: true }), fx.deps);
    expect(readJson(fx.config)).toEqual({ runtimes: { msb: { path: fx.runtime } }, 'default-runtime': 'msb' });
  });

  it('neither rewrites nor signals when the runtime is already registered so', () => {
    fx = makeFixture();
    const text = JSON.stringify({ runtimes: { msb: { path: fx.runtime } } });
    writeFileSync(fx.config, text);
    const before = statSync(fx.config).mtimeMs;
    install(options(), fx.deps);
    expect(readFileSync(fx.config, 'utf8')).toBe(text);
    expect(statSync(fx.config).mtimeMs).toBe(before);
    expect(existsSync(`${fx.config}.msb-backup`)).toBe(false);
    expect(fx.deps.reload).not.toHaveBeenCalled();
    expect(fx.lines).toEqual([`runtime msb is already registered with path ${fx.runtime}: ${fx.config} left as it was, dockerd not signalled`]);
  });

  it('--dry-run prints the result and writes, backs up and signals nothing', () => {
    fx = makeFixture(ORIGINAL);
    install(options({ dryRun: true, path: `${fx.dir}/not-built-yet` }), fx.deps);
    expect(readFileSync(fx.config, 'utf8')).toBe(ORIGINAL);
    expect(existsSync(`${fx.config}.msb-backup`)).toBe(false);
    expect(fx.deps.reload).not.toHaveBeenCalled();
    const printed = fx.lines.join('\n');
    expect(printed).toContain(`add runtime "msb": {"path":"${fx.dir}/not-built-yet"}`);
    expect(printed).toContain('"log-level": "warn"');
  });

  it('--no-reload writes but does not signal', () => {
    fx = makeFixture('{}');
    install(options({ reload: false }), fx.deps);
    expect(readJson(fx.config)).toEqual({ runtimes: { msb: { path: fx.runtime } } });
    expect(fx.deps.reload).not.toHaveBeenCalled();
    expect(fx.lines.at(-1)).toMatch(/--no-reload/);
  });

  it('says when dockerd is not running', () => {
    fx = makeFixture('{}', []);
    install(options(), fx.deps);
    expect(fx.lines.at(-1)).toBe('dockerd is not running: the change takes effect when it starts');
  });

  it.each([
    { name: 'a malformed daemon.json', text: '{"runtimes": {', opts: {}, message: /daemon\.json is not valid JSON/ },
    {
      name: 'a runtime that does not exist',
      text: '{}',
      opts: { path: '/nonexistent/msb-runtime' },
      message: /runtime \/nonexistent\/msb-runtime does not exist/,
    },
    { name: 'the name runc', text: '{}', opts: { name: 'runc' }, message: /reserved by Docker/ },
    { name: 'a name with a slash', text: '{}', opts: { name: 'a/b' }, message: /invalid runtime name/ },
  ])('refuses $name and writes nothing', ({ text, opts, message }) => {
    fx = makeFixture(text);
    expect(() => install(options(opts), fx.deps)).toThrow(message);
    expect(readFileSync(fx.config, 'utf8')).toBe(text);
    expect(existsSync(`${fx.config}.msb-backup`)).toBe(false);
    expect(fx.deps.reload).not.toHaveBeenCalled();
  });
});
