// With msb as Docker's default runtime, `docker info` parses msb's --version as it parses runc's,
// and a container started without --runtime runs in gVisor.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerOk, dockerSkipReason, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP docker info suite: ${skipReason}`);

const DAEMON_JSON = '/etc/docker/daemon.json';
const saved = skipReason ? undefined : readFileSync(DAEMON_JSON, 'utf8');
const defaultRuntime = (): string => docker(['info', '--format', '{{.DefaultRuntime}}']).stdout.trim();

function reloadDockerd(): void {
  const pid = readFileSync('/var/run/docker.pid', 'utf8').trim();
  spawnSync('kill', ['-HUP', pid]);
}

afterAll(async () => {
  if (saved === undefined) return;
  // dockerd's SIGHUP reload keeps the current default runtime when the key is absent, so say
  // the old value explicitly first, then put the original file back.
  const previous = (JSON.parse(saved) as { 'default-runtime'?: string })['default-runtime'] ?? 'runc';
  writeFileSync(DAEMON_JSON, JSON.stringify({ ...(JSON.parse(saved) as object), 'default-runtime': previous }, null, 2));
  reloadDockerd();
  await waitUntil(() => defaultRuntime() === previous);
  writeFileSync(DAEMON_JSON, saved);
});

describe.skipIf(skipReason !== undefined)('msb as the default runtime', () => {
  it("docker info shows msb's version as the runc version, and plain docker run is sandboxed", async () => {
    const ctl = spawnSync(join(repoRoot, 'shim/msbctl'), ['install', '--name', 'msb', '--default'], { encoding: 'utf8' });
    expect(ctl.status, ctl.stderr).toBe(0);
    expect(await waitUntil(() => defaultRuntime() === 'msb')).toBe(true);
    const version = spawnSync(join(repoRoot, 'shim/msb-runtime'), ['--version'], { encoding: 'utf8' }).stdout;
    const commit = /^commit: (\S+)$/m.exec(version)?.[1];
    expect(commit).toMatch(/^msb-/);
    expect(docker(['info', '--format', '{{.RuncCommit.ID}}']).stdout.trim()).toBe(commit);
    expect(dockerOk(['run', '--rm', 'local/busybox', 'uname', '-r']).trim()).toBe('4.4.0');
  });
});
