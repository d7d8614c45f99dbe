// msbctl harden end to end: a commented compose file fails --check, is hardened with the real
// CLI to a runtime alias registered from this checkout, passes --check, and docker-compose 1.29
// then runs its service under msb (docker inspect shows the runtime, msb's record the sandbox).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_MSB_ROOT, docker, dockerOk, dockerSkipReason, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const ALIAS = 'msb-fleet-compose';
const PROJECT = 'msbfleetharden';
const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const compose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const skipReason = dockerSkipReason() ?? (compose.status === 0 ? undefined : 'docker-compose is not installed (scripts/provision.sh installs it)');
if (skipReason) console.warn(`SKIP compose-harden suite: ${skipReason}`);
const composeV1 = compose.stdout.startsWith('1.');
if (!skipReason && !composeV1) console.warn(`SKIP compose-harden annotations case: docker-compose ${compose.stdout.trim()} is not 1.x`);

const dir = mkdtempSync(join(tmpdir(), 'msb-fleet-compose-'));
const file = join(dir, 'docker-compose.yml');
const ORIGINAL = `# A service that should run sandboxed.
version: "2.4"

x-common: &common
  labels:
    io.msb.test: fleet-compose   # lets the test find it

services:
  web:   # serves nothing, just stays up
    <<: *common
    image: local/busybox
    command: ["sleep", "300"]
`;

function ctl(args: string[]) {
  return spawnSync(msbctl, args, { encoding: 'utf8', timeout: 60_000 });
}

function dockerCompose(args: string[]) {
  return spawnSync('docker-compose', ['-p', PROJECT, '-f', file, ...args], { encoding: 'utf8', timeout: 180_000 });
}

beforeAll(async () => {
  if (skipReason) return;
  writeFileSync(file, ORIGINAL);
  const r = ctl(['install', '--name', ALIAS, '--path', runtime]);
  if (r.status !== 0) throw new Error(`msbctl install: ${r.stderr}`);
  if (!(await waitUntil(() => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${ALIAS}"`))))
    throw new Error(`dockerd did not load runtime ${ALIAS}`);
});

afterAll(() => {
  if (skipReason) return;
  dockerCompose(['down', '--volumes', '--timeout', '1']);
  ctl(['uninstall', '--name', ALIAS]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason)('msbctl harden with docker-compose 1.29', () => {
  it('--check fails on the unhardened file and names the service', () => {
    const r = ctl(['harden', '--check', '--runtime', ALIAS, file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${file}: web: NOT HARDENED: harden would add runtime: ${ALIAS}`);
    expect(r.stderr).toMatch(/^msbctl: check failed: 1 service\(s\) would not run under/);
  });

  it('hardens the file by adding one line, after which --check passes', () => {
    const r = ctl(['harden', '--runtime', ALIAS, file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL.replace('  web:   # serves nothing, just stays up\n', `$&    runtime: ${ALIAS}\n`));
    expect(ctl(['harden', '--check', '--runtime', ALIAS, file]).status).toBe(0);
  });

  it('finds the demo stack (docker-compose.yml) hardened for msb', () => {
    const r = ctl(['harden', '--check', join(repoRoot, 'docker-compose.yml')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/web: sandboxed \(runtime msb\)\n.*client: sandboxed \(runtime msb\)\n$/);
  });

  it.each([['"2.0"'], ['"3.8"'], ['']])('docker-compose accepts the hardened file with version %s', (version) => {
    const f = join(dir, `v${version.replace(/\W/g, '') || 'none'}.yml`);
    writeFileSync(f, `${version ? `version: ${version}\n` : ''}services:\n  app:   # one service\n    image: local/busybox\n`);
    expect(ctl(['harden', '--runtime', ALIAS, f]).status).toBe(0);
    const config = spawnSync('docker-compose', ['-f', f, 'config'], { encoding: 'utf8' });
    expect(config.status, config.stderr).toBe(0);
    expect(config.stdout).toContain(`runtime: ${ALIAS}`);
  });

  it.skipIf(!composeV1)('documents that docker-compose 1.x rejects the annotations --isolation adds', () => {
    const f = join(dir, 'isolation.yml');
    writeFileSync(f, 'services:\n  app:\n    image: local/busybox\n');
    const r = ctl(['harden', '--isolation', 'gvisor', f]);
    expect(r.stderr).toContain('docker-compose 1.x rejects annotations:');
    const config = spawnSync('docker-compose', ['-f', f, 'config'], { encoding: 'utf8' });
    expect(config.status).not.toBe(0);
    expect(config.stderr).toContain("Unsupported config option for services.app: 'annotations'");
  });

  it('runs the hardened service under the msb alias in gVisor', () => {
    const up = dockerCompose(['up', '-d']);
    expect(up.status, up.stderr).toBe(0);
    const id = dockerCompose(['ps', '-q', 'web']).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(dockerOk(['inspect', '--format', '{{.HostConfig.Runtime}} {{index .Config.Labels "io.msb.test"}}', id]).trim()).toBe(`${ALIAS} fleet-compose`);
    const record = JSON.parse(readFileSync(join(DOCKER_MSB_ROOT, 'msb', 'containers', id, 'record.json'), 'utf8')) as { backend: string };
    expect(record.backend).toBe('gvisor');
    expect(dockerOk(['exec', id, 'uname', '-r']).trim()).toBe('4.4.0');
  });
});
