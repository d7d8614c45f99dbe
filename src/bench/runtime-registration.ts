import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeCommand, stdoutOf } from './timed-spawn.js';

/** dockerRuntimes lists the runtimes dockerd has loaded (`docker info`), not what daemon.json says. */
export function dockerRuntimes(): Record<string, { path?: string; runtimeArgs?: string[] }> {
  return JSON.parse(stdoutOf('docker', ['info', '--format', '{{json .Runtimes}}'])) as Record<string, { path?: string }>;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** waitForRuntime polls `docker info` until the runtime is (or is no longer) loaded with that path. */
export function waitForRuntime(name: string, wanted: { path: string } | 'absent', timeoutMs = 30_000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rt = dockerRuntimes()[name];
    if (wanted === 'absent' ? rt === undefined : rt?.path === wanted.path) return;
    if (Date.now() > deadline) {
      throw new Error(
        `dockerd did not ${wanted === 'absent' ? `drop runtime ${name}` : `load runtime ${name} → ${wanted.path}`} within ${timeoutMs / 1000} s (docker info shows ${JSON.stringify(rt)})`,
      );
    }
    sleepMs(250);
  }
}

function msbctl(binary: string, args: string[]): void {
  const r = spawnSync(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`cannot run ${binary}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${describeCommand(binary, args)} exited ${r.status}: ${`${r.stderr}${r.stdout}`.trim()}`);
}

/**
 * installRuntime registers a runtime with dockerd through msbctl (which writes daemon.json and
 * SIGHUPs dockerd) and waits until dockerd has loaded it. A registration of the same name left by
 * an interrupted earlier run is removed first.
 */
export function installRuntime(binary: string, name: string, path: string, runtimeArgs: readonly string[] = []): void {
  if (!existsSync(binary)) throw new Error(`${binary} does not exist`);
  if (dockerRuntimes()[name] !== undefined) {
    msbctl(binary, ['uninstall', '--name', name]);
    waitForRuntime(name, 'absent');
  }
  msbctl(binary, ['install', '--name', name, '--path', path, ...runtimeArgs.flatMap((a) => ['--runtime-arg', a])]);
  waitForRuntime(name, { path });
}

/** uninstallRuntime removes the registration again and waits until dockerd has dropped it. */
export function uninstallRuntime(binary: string, name: string): void {
  msbctl(binary, ['uninstall', '--name', name]);
  waitForRuntime(name, 'absent');
}
