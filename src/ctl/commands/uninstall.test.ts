import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uninstall, type UninstallOptions } from './uninstall.js';
import type { CtlDeps } from '../apply-edit.js';

const REGISTERED = { 'log-level': 'warn', runtimes: { runsc: { path: '/usr/bin/runsc' }, msb: { path: '/opt/msb-runtime' } } };
/** Fixture is a temp directory with daemon.json, plus recording deps. */
interface Fixture {
  dir: string;
  config: string;
  lines: string[];
  deps: CtlDeps & { reload: ReturnType<typeof vi.fn> };
}

/** makeFixture builds a Fixture; daemonJson undefined leaves daemon.json missing. */
function makeFixture(daemonJson?: string): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'msbctl-uninstall-'));
  const config = join(dir, 'daemon.json');
  if (daemonJson !== undefined) writeFileSync(config, daemonJson);
  const lines: string[] = [];
  const reload = vi.fn(() => ({ pids: [42], via: '/var/run/docker.pid' }));
  return { dir, config, lines, deps: { out: (line) => void lines.push(line), reload } };
}

let fx: Fixture;
afterEach(() => rmSync(fx.dir, { recursive: true, force: true }));

function options(overrides: Partial<UninstallOptions> = {}): UninstallOptions {
  return { name: 'msb', config: fx.config, dryRun: false, reload: true, ...overrides };
}
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('uninstall', () => {
  it('removes the runtime, keeps the rest, backs up and reloads dockerd', () => {
    fx = makeFixture(JSON.stringify(REGISTERED));
    uninstall(options(), fx.deps);
    expect(readJson(fx.config)).toEqual({ 'log-level': 'warn', runtimes: { runsc: { path: '/usr/bin/runsc' } } });
    expect(readJson(`${fx.config}.msb-backup`)).toEqual(REGISTERED);
    expect(fx.deps.reload).toHaveBeenCalledOnce();
  });

  it('points default-runtime that named it back at runc explicitly (a SIGHUP keeps the old default when the key is absent)', () => {
    fx = makeFixture(JSON.stringify({ ...REGISTERED, 'default-runtime': 'msb' }));
    uninstall(options(), fx.deps);
    expect(readJson(fx.config)).toEqual({ 'log-level': 'warn', runtimes: { runsc: { path: '/usr/bin/runsc' } }, 'default-runtime': 'runc' });
    expect(fx.lines.join('\n')).toContain('set "default-runtime" back to "runc"');
  });

  it.each([
    { name: 'a runtime that is not registered', text: '{"runtimes": {"runsc": {"path": "/usr/bin/runsc"}}}' },
    { name: 'an empty daemon.json', text: '' },
  ])('is a no-op with a message for $name', ({ text }) => {
    fx = makeFixture(text);
    uninstall(options(), fx.deps);
    expect(readFileSync(fx.config, 'utf8')).toBe(text);
    expect(existsSync(`${fx.config}.msb-backup`)).toBe(false);
    expect(fx.deps.reload).not.toHaveBeenCalled();
    expect(fx.lines).toEqual([`runtime msb is not registered: ${fx.config} left as it was, dockerd not signalled`]);
  });

  it('creates neither a missing daemon.json nor its directory', () => {
    fx = makeFixture();
    uninstall(options({ config: join(fx.dir, 'etc', 'docker', 'daemon.json') }), fx.deps);
    expect(existsSync(join(fx.dir, 'etc'))).toBe(false);
    expect(fx.deps.reload).not.toHaveBeenCalled();
  });

  it('--dry-run shows the removal and writes nothing', () => {
    const text = JSON.stringify(REGISTERED);
    fx = makeFixture(text);
    uninstall(options({ dryRun: true }), fx.deps);
    expect(readFileSync(fx.config, 'utf8')).toBe(text);
    expect(fx.deps.reload).not.toHaveBeenCalled();
    expect(fx.lines.join('\n')).toContain('remove runtime "msb"');
  });

  it('refuses a malformed daemon.json, naming it', () => {
    fx = makeFixture('{"runtimes": 3}');
    expect(() => uninstall(options(), fx.deps)).toThrow(`${fx.config}: "runtimes" must be a JSON object, not a number`);
    expect(readFileSync(fx.config, 'utf8')).toBe('{"runtimes": 3}');
  });
});
