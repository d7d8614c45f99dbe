// msbctl fleet audit and migrate against the real engine: a runc busybox httpd with a named
// volume, a user-defined network with an alias and a static address, a port published on
// 127.0.0.1, an anonymous volume and a restart policy moves to msb (a runtime alias registered from this checkout);
// it answers on the same host port, keeps its volume data, and a runc peer still finds it by its
// alias. --dry-run changes nothing; a migration whose new container cannot start rolls back.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_MSB_ROOT, docker, dockerOk, dockerSkipReason, freshNetwork, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const ALIAS = 'msb-fleet-test';
const BROKEN = 'msb-fleet-broken';
const NET = 'msb-fleet-net';
const VOLUME = 'msb-fleet-data';
const WEB = 'msb-fleet-web';
const SUBNET = '172.31.213.0/24';
const STATIC_IP = '172.31.213.10';
const msbctl = join(repoRoot, 'shim/msbctl');
const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP fleet-migrate suite: ${skipReason}`);

const dir = mkdtempSync(join(tmpdir(), 'msb-fleet-'));
const page = `hello from the volume ${process.pid}\n`;
let port = 0;
let anonVolume = '';

function ctl(args: string[]) {
  return spawnSync(msbctl, args, { encoding: 'utf8', timeout: 180_000 });
}

/** fetchPage GETs / from 127.0.0.1:port with Node's http client. */
function fetchPage(): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/index.html', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function fetchWhenUp(): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      return await fetchPage();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw last;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** inspect returns a container's inspect document, Mounts sorted: Docker lists them in Go map order, which varies per call. */
function inspect(name: string): Record<string, any> {
  const doc = (JSON.parse(dockerOk(['inspect', name])) as Record<string, any>[])[0]!;
  (doc.Mounts as { Destination: string }[]).sort((a, b) => a.Destination.localeCompare(b.Destination));
  return doc;
}

/** changedPaths lists the dotted paths where two inspect documents differ, with both values. */
function changedPaths(a: unknown, b: unknown, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}

function startWeb(): void {
  dockerOk([
    'run',
    '-d',
    '--name',
    WEB,
    '--runtime',
    'runc',
    '--network',
    NET,
    '--network-alias',
    'webalias',
    '--ip',
    STATIC_IP,
    '-v',
    `${VOLUME}:/www`,
    '-v',
    '/anon',
    '-p',
    `127.0.0.1:${port}:8080`,
    '--restart',
    'unless-stopped',
    '--label',
    'io.msb.test=fleet',
    '-e',
    'GREETING=hi',
    '-w',
    '/www',
    'local/busybox',
    'httpd',
    '-f',
    '-p',
    '8080',
    '-h',
    '/www',
  ]);
}

beforeAll(async () => {
  if (skipReason) return;
  port = await freePort();
  // A runtime whose path ends in msb-runtime but whose create always fails: the rollback case.
  symlinkSync(join(repoRoot, 'test/support/wrappers/corrupt-config.sh'), join(dir, 'msb-runtime'));
  for (const [name, path] of [
    [ALIAS, join(repoRoot, 'shim/msb-runtime')],
    [BROKEN, join(dir, 'msb-runtime')],
  ] as const) {
    const r = ctl(['install', '--name', name, '--path', path]);
    if (r.status !== 0) throw new Error(`msbctl install ${name}: ${r.stderr}`);
  }
  if (!(await waitUntil(() => [ALIAS, BROKEN].every((a) => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${a}"`)))))
    throw new Error('dockerd did not load the aliases');
  for (const n of [WEB, `${WEB}-pre-msb`, `${WEB}-msb-new`]) docker(['rm', '-f', n]);
  freshNetwork(NET, ['--subnet', SUBNET]);
  docker(['volume', 'rm', VOLUME]);
  dockerOk(['volume', 'create', VOLUME]);
  dockerOk([
    'run',
    '--rm',
    '--runtime',
    'runc',
    '-v',
    `${VOLUME}:/www`,
    'local/busybox',
    'sh',
    '-c',
    `printf '${page.replace('\n', '\\n')}' > /www/index.html`,
  ]);
  startWeb();
  dockerOk(['exec', WEB, 'sh', '-c', 'echo kept > /anon/f']);
  anonVolume = (inspect(WEB).Mounts as { Name: string; Destination: string }[]).find((m) => m.Destination === '/anon')!.Name;
});

afterAll(() => {
  if (skipReason) return;
  for (const n of [WEB, `${WEB}-pre-msb`, `${WEB}-msb-new`]) docker(['rm', '-f', n]);
  docker(['network', 'rm', NET]);
  docker(['volume', 'rm', VOLUME]);
  if (anonVolume) docker(['volume', 'rm', anonVolume]);
  for (const a of [ALIAS, BROKEN]) ctl(['uninstall', '--name', a]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason)('msbctl fleet audit and migrate', () => {
  it('serves the page under runc, and audit flags it as unsandboxed', async () => {
    expect(await fetchWhenUp()).toBe(page);
    const audit = ctl(['fleet', 'audit', '--json']);
    expect(audit.status).toBe(0);
    expect((JSON.parse(audit.stdout) as { name: string }[]).find((r) => r.name === WEB)).toMatchObject({ runtime: 'runc', sandboxed: false, sandbox: null });
    const check = ctl(['fleet', 'audit', '--check']);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`${WEB} .* runc .*UNSANDBOXED`));
  });

  it('--dry-run prints the plan and changes nothing', () => {
    const before = inspect(WEB);
    // Only this suite's names: other suites share the engine and come and go meanwhile.
    const ours = () => dockerOk(['ps', '-a', '--filter', `name=${WEB}`, '--format', '{{.Names}} {{.ID}} {{.State}}']);
    const names = ours();
    const r = ctl(['fleet', 'migrate', '--dry-run', '--runtime', ALIAS, WEB]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${WEB}: would move from runc to ${ALIAS}, keeping:`);
    expect(r.stdout).toContain(`network ${NET} (aliases webalias; ip ${STATIC_IP})`);
    expect(r.stdout).toContain(`port 127.0.0.1:${port} → 8080/tcp`);
    expect(r.stdout).toContain('dry run: nothing changed');
    expect(changedPaths(before, inspect(WEB))).toEqual([]);
    expect(ours()).toBe(names);
  });

  it('rolls back when the new container cannot start: the old one serves again under its name', async () => {
    const before = inspect(WEB);
    const r = ctl(['fleet', 'migrate', '--runtime', BROKEN, WEB]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${WEB}: rollback: start ${WEB} again`);
    expect(r.stderr).toMatch(/migration to msb-fleet-broken failed: .*rolled back: msb-fleet-web runs as before/);
    const after = inspect(WEB);
    expect([after.Id, after.State.Running, after.HostConfig.Runtime, after.HostConfig.RestartPolicy]).toEqual([
      before.Id,
      true,
      'runc',
      before.HostConfig.RestartPolicy,
    ]);
    expect(docker(['inspect', `${WEB}-msb-new`]).status).not.toBe(0);
    expect(await fetchWhenUp()).toBe(page);
  });

  it('moves the container to msb: same port, same volume data, alias and address on its network', async () => {
    const before = inspect(WEB);
    const r = ctl(['fleet', 'migrate', '--runtime', ALIAS, WEB]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`${WEB}: [1/7] create ${WEB}-msb-new under ${ALIAS}`);
    expect(r.stdout).toContain(`${WEB}: [7/7] remove the old container`);
    const after = inspect(WEB);
    expect(after.Id).not.toBe(before.Id);
    expect(after.HostConfig.Runtime).toBe(ALIAS);
    expect(existsSync(join(DOCKER_MSB_ROOT, 'msb', 'containers', after.Id, 'record.json'))).toBe(true);
    expect(after.Config.Cmd).toEqual(before.Config.Cmd);
    expect(after.Config.Env).toEqual(before.Config.Env);
    expect(after.Config.WorkingDir).toBe('/www');
    expect(after.Config.Labels['io.msb.test']).toBe('fleet');
    expect(after.HostConfig.RestartPolicy).toEqual(before.HostConfig.RestartPolicy);
    expect(after.HostConfig.PortBindings).toEqual(before.HostConfig.PortBindings);
    // The anonymous volume is reattached by name, data and all.
    expect(after.Mounts.map((m: any) => [m.Name, m.Destination])).toEqual([
      [anonVolume, '/anon'],
      [VOLUME, '/www'],
    ]);
    expect(dockerOk(['exec', WEB, 'cat', '/anon/f'])).toBe('kept\n');
    expect(after.NetworkSettings.Networks[NET].IPAddress).toBe(STATIC_IP);
    expect(after.NetworkSettings.Networks[NET].Aliases).toContain('webalias');
    expect(docker(['inspect', `${WEB}-pre-msb`]).status).not.toBe(0);
    expect(await fetchWhenUp()).toBe(page);
    const lookup = dockerOk(['run', '--rm', '--runtime', 'runc', '--network', NET, 'local/busybox', 'nslookup', 'webalias']);
    expect(lookup).toContain(STATIC_IP);
    expect(dockerOk(['run', '--rm', '--runtime', 'runc', '--network', NET, 'local/busybox', 'wget', '-qO-', 'http://webalias:8080/index.html'])).toBe(page);
  });

  it('audit then shows it sandboxed in gVisor, and migrating it again is a no-op', () => {
    const rows = JSON.parse(ctl(['fleet', 'audit', '--json']).stdout) as { name: string; sandbox: string }[];
    expect(rows.find((r) => r.name === WEB)).toMatchObject({ runtime: ALIAS, sandboxed: true, sandbox: expect.stringMatching(/^gvisor \(platform \w+/) });
    const again = ctl(['fleet', 'migrate', '--runtime', ALIAS, WEB]);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`${WEB}: already runs under ${ALIAS}: nothing to do\n`);
  });
});
