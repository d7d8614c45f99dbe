// `shim/msbctl install/uninstall` against the real dockerd and the real /etc/docker/daemon.json:
// the runtime appears in (and leaves) `docker info` after msbctl's SIGHUP, and nothing else moves.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, waitUntil } from '../support/docker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MSBCTL = `${ROOT}shim/msbctl`;
const RUNTIME = `${ROOT}shim/msb-runtime`;
const CONFIG = '/etc/docker/daemon.json';
const NAME = 'msb-ctltest';
const ARGS = ['--isolation=gvisor'];

type Runtimes = Record<string, { path?: string; runtimeArgs?: string[] }>;

function skipReason(): string | undefined {
  const info = docker(['info', '--format', '{{json .Runtimes}}']);
  if (info.status !== 0) return `no Docker engine answers (${info.stderr.trim().split('\n')[0] ?? ''})`;
  if (process.getuid?.() !== 0) return `editing ${CONFIG} and signalling dockerd needs root`;
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`SKIP msbctl install suite: ${skip}`);

function dockerRuntimes(): Runtimes {
  const info = docker(['info', '--format', '{{json .Runtimes}}']);
  if (info.status !== 0) throw new Error(`docker info failed: ${info.stderr}`);
  return JSON.parse(info.stdout) as Runtimes;
}

function msbctl(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(MSBCTL, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function readConfig(): Record<string, unknown> {
  return existsSync(CONFIG) ? (JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>) : {};
}

function fileRuntimes(config: Record<string, unknown>): Runtimes {
  return (config.runtimes ?? {}) as Runtimes;
}

function withoutRuntimes(config: Record<string, unknown>): Record<string, unknown> {
  const { runtimes: _runtimes, ...rest } = config;
  return rest;
}

describe.skipIf(skip !== undefined)('msbctl against the real dockerd', () => {
  beforeAll(() => {
    if (!existsSync(`${ROOT}dist/ctl/msbctl.js`)) throw new Error('msb is not built: run npm run build before the Docker tests');
    // A run interrupted between install and uninstall leaves the test runtime behind.
    if (fileRuntimes(readConfig())[NAME] !== undefined) msbctl('uninstall', '--name', NAME);
  });

  afterAll(() => {
    if (fileRuntimes(readConfig())[NAME] !== undefined) msbctl('uninstall', '--name', NAME);
  });

  it('install makes dockerd load the runtime, uninstall drops it, and the other runtimes stay', async () => {
    const configBefore = readConfig();
    const dockerBefore = dockerRuntimes();
    expect(dockerBefore[NAME]).toBeUndefined();

    const installed = msbctl('install', '--name', NAME, '--path', RUNTIME, ...ARGS.flatMap((a) => ['--runtime-arg', a]));
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.stdout).toContain(`backed up ${CONFIG} to ${CONFIG}.msb-backup`);
    expect(installed.stdout).toMatch(/sent SIGHUP to dockerd/);

    const configInstalled = readConfig();
    expect(fileRuntimes(configInstalled)[NAME]).toEqual({ path: RUNTIME, runtimeArgs: ARGS });
    expect(withoutRuntimes(configInstalled)).toEqual(withoutRuntimes(configBefore));
    for (const [name, entry] of Object.entries(fileRuntimes(configBefore))) expect(fileRuntimes(configInstalled)[name]).toEqual(entry);

    // dockerd reloads daemon.json in the background after SIGHUP.
    const loaded = await waitUntil(() => dockerRuntimes()[NAME]?.path === RUNTIME, 15_000);
    expect(loaded, `docker info never listed ${NAME}: ${JSON.stringify(dockerRuntimes())}`).toBe(true);
    const dockerInstalled = dockerRuntimes();
    expect(dockerInstalled[NAME]).toEqual({ path: RUNTIME, runtimeArgs: ARGS });
    for (const [name, entry] of Object.entries(dockerBefore)) expect(dockerInstalled[name]).toEqual(entry);

    const removed = msbctl('uninstall', '--name', NAME);
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`remove runtime "${NAME}"`);
    expect(fileRuntimes(readConfig())[NAME]).toBeUndefined();

    const dropped = await waitUntil(() => dockerRuntimes()[NAME] === undefined, 15_000);
    expect(dropped, `docker info still lists ${NAME}`).toBe(true);
    const dockerAfter = dockerRuntimes();
    for (const [name, entry] of Object.entries(dockerBefore)) expect(dockerAfter[name]).toEqual(entry);
    const configAfter = readConfig();
    expect(withoutRuntimes(configAfter)).toEqual(withoutRuntimes(configBefore));
    for (const [name, entry] of Object.entries(fileRuntimes(configBefore))) expect(fileRuntimes(configAfter)[name]).toEqual(entry);
  });

  it('install --dry-run prints the result but leaves daemon.json and its backup byte for byte', () => {
    const bytesBefore = existsSync(CONFIG) ? readFileSync(CONFIG) : undefined;
    const backupBefore = existsSync(`${CONFIG}.msb-backup`) ? readFileSync(`${CONFIG}.msb-backup`) : undefined;

    const r = msbctl('install', '--name', NAME, '--path', RUNTIME, '--runtime-arg', ARGS[0] ?? '', '--dry-run');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`dry run: ${CONFIG} would change:`);
    expect(r.stdout).toContain(`"${NAME}": {`);

    expect(existsSync(CONFIG) ? readFileSync(CONFIG) : undefined).toEqual(bytesBefore);
    expect(existsSync(`${CONFIG}.msb-backup`) ? readFileSync(`${CONFIG}.msb-backup`) : undefined).toEqual(backupBefore);
    expect(dockerRuntimes()[NAME]).toBeUndefined();
  });
});
