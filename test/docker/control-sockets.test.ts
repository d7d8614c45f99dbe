// Unix sockets across the sandbox wall, with real Docker and runsc (docs/control-sockets.md): a
// host server reached from inside, an in-container server reached from the host, a declared
// control socket reported by msbctl, and the refusals policy makes. Each policy is a runtime
// alias in daemon.json, registered with msbctl; annotations come from the inject-annotation
// wrapper (Docker 20.10 has no --annotation).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAsync, dockerOk, dockerSkipReason, msbLeftovers, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';
import { buildUsock } from '../support/usock.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-sockets-'));
const usock = buildUsock(dir);
const skipReason = dockerSkipReason() ?? ('skip' in usock ? usock.skip : undefined);
if (skipReason) console.warn(`SKIP control-sockets suite: ${skipReason}`);

const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const injectAnnotation = join(repoRoot, 'test/support/wrappers/inject-annotation.sh');
const hostSocket = join(dir, 'host.sock');
const listenDir = join(dir, 'listen');
const controlDirectory = join(dir, 'control');
const policies = {
  allow: join(dir, 'allow.json'),
  deny: join(dir, 'deny.json'),
  openOnly: join(dir, 'open-only.json'),
};

interface Alias {
  name: string;
  path: string;
  args: string[];
}
// Docker 20.10 writes runtimeArgs into a wrapper script unquoted: no spaces anywhere in them.
const ctlAnnotation = ['--annotation', 'io.msb.control-socket=/run/agent/ctl.sock'];
const aliases = {
  allow: { name: 'msb-sockets-test', path: runtime, args: [`--policy=${policies.allow}`] },
  deny: { name: 'msb-sockets-deny', path: runtime, args: [`--policy=${policies.deny}`] },
  control: { name: 'msb-sockets-ctl', path: injectAnnotation, args: [...ctlAnnotation, `--policy=${policies.allow}`] },
  controlDeny: { name: 'msb-sockets-ctl-deny', path: injectAnnotation, args: [...ctlAnnotation, `--policy=${policies.deny}`] },
  udsAll: { name: 'msb-sockets-uds-all', path: injectAnnotation, args: ['--annotation', 'dev.gvisor.flag.host-uds=all', `--policy=${policies.openOnly}`] },
  udsOpen: { name: 'msb-sockets-uds-open', path: injectAnnotation, args: ['--annotation', 'dev.gvisor.flag.host-uds=open', `--policy=${policies.openOnly}`] },
} satisfies Record<string, Alias>;

let server: Server | undefined;
const received: string[] = [];

function ctl(args: string[]): string {
  const r = spawnSync(msbctl, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** exchange connects to a Unix socket, sends text, half-closes, and resolves with the whole reply. */
function exchange(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    let reply = '';
    c.on('error', reject);
    c.on('connect', () => c.end(text));
    c.on('data', (d: Buffer) => void (reply += d.toString()));
    c.on('end', () => resolve(reply));
  });
}

/** exchangeWhenReady retries while the container has not created its socket yet. */
async function exchangeWhenReady(path: string, text: string): Promise<string> {
  if (!(await waitUntil(() => existsSync(path), 30_000))) throw new Error(`${path} never appeared`);
  return exchange(path, text);
}

function usockMount(): string[] {
  return 'path' in usock ? ['-v', `${usock.path}:/usock:ro`] : [];
}

function runArgs(alias: Alias, ...rest: string[]): string[] {
  return ['run', '--rm', `--runtime=${alias.name}`, ...usockMount(), ...rest];
}

/** refusal runs a container that msb must refuse at create and checks nothing is left behind. */
function refusal(alias: Alias, mounts: string[]): string {
  const cid = join(dir, `${alias.name}-${Math.random().toString(36).slice(2)}.cid`);
  const r = docker(['run', '--rm', '--cidfile', cid, `--runtime=${alias.name}`, ...mounts, 'local/busybox', 'true']);
  expect(r.status).toBe(125);
  const id = spawnSync('cat', [cid], { encoding: 'utf8' }).stdout.trim();
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  docker(['rm', '-f', id]);
  expect(msbLeftovers(id)).toEqual([]);
  expect(existsSync(join(controlDirectory, id))).toBe(false);
  return r.stderr;
}

beforeAll(async () => {
  if (skipReason) return;
  server = createServer((c) => {
    let got = '';
    c.on('data', (d: Buffer) => void (got += d.toString()));
    c.on('end', () => {
      received.push(got);
      c.end(`host got: ${got}`);
    });
  });
  await new Promise<void>((resolve) => server?.listen(hostSocket, resolve));
  spawnSync('mkdir', ['-p', listenDir]);
  writeFileSync(
    policies.allow,
    JSON.stringify({
      sockets: { connect: [{ path: hostSocket, image: 'local/busybox' }], listen: [{ directory: listenDir }], control: [{}], controlDirectory },
    }),
  );
  writeFileSync(policies.deny, JSON.stringify({ sockets: { listen: [{ directory: listenDir, annotation: 'io.example.agent=yes' }], controlDirectory } }));
  writeFileSync(policies.openOnly, JSON.stringify({ sockets: { connect: [{ path: hostSocket }] } }));
  for (const a of Object.values(aliases)) ctl(['install', '--name', a.name, '--path', a.path, ...a.args.map((x) => `--runtime-arg=${x}`)]);
  const registered = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return Object.values(aliases).every((a) => info.includes(`"${a.name}"`));
  });
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
}, 60_000);

afterAll(async () => {
  if (!skipReason) for (const a of Object.values(aliases)) ctl(['uninstall', '--name', a.name]);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('control sockets under msb (gVisor)', () => {
  it('a host server on a bind-mounted socket: the container connects and data flows both ways', async () => {
    received.length = 0;
    const r = await dockerAsync(
      runArgs(aliases.allow, '-v', `${hostSocket}:/run/host.sock`, 'local/busybox', 'sh', '-c', 'echo ping | /usock connect /run/host.sock'),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('host got: ping\n');
    expect(received).toEqual(['ping\n']);
  });

  it('a server in the container creates a socket in an allowed directory; a host client connects', async () => {
    const socket = join(listenDir, 'server.sock');
    const id = dockerOk([
      'run',
      '-d',
      `--runtime=${aliases.allow.name}`,
      ...usockMount(),
      '-v',
      `${listenDir}:/srv/sock`,
      'local/busybox',
      'sh',
      '-c',
      'echo from-container | /usock listen /srv/sock/server.sock',
    ]).trim();
    try {
      expect(await exchangeWhenReady(socket, 'hi from host\n')).toBe('from-container\n');
      expect(dockerOk(['wait', id]).trim()).toBe('0');
      expect(dockerOk(['logs', id])).toBe('hi from host\n');
    } finally {
      docker(['rm', '-f', id]);
      rmSync(socket, { force: true });
    }
  });

  it('a declared control socket: msbctl sockets reports the host path, the host connects, delete removes it', async () => {
    const name = `msb-sockets-ctl-${process.pid}`;
    const id = dockerOk([
      'run',
      '-d',
      '--name',
      name,
      `--runtime=${aliases.control.name}`,
      ...usockMount(),
      'local/busybox',
      'sh',
      '-c',
      'echo ctl-reply | /usock listen /run/agent/ctl.sock',
    ]).trim();
    const hostPath = join(controlDirectory, id, '0', 'ctl.sock');
    try {
      expect(ctl(['sockets', name])).toBe(`/run/agent/ctl.sock\t${hostPath}\n`);
      expect(JSON.parse(ctl(['sockets', '--json', id.slice(0, 12)]))).toEqual({ id, controlSockets: [{ path: '/run/agent/ctl.sock', hostPath }] });
      expect(await exchangeWhenReady(hostPath, 'status?\n')).toBe('ctl-reply\n');
      expect(dockerOk(['wait', id]).trim()).toBe('0');
      // Docker deletes the task when the container exits: msb's directory goes with it.
      expect(await waitUntil(() => !existsSync(join(controlDirectory, id)))).toBe(true);
    } finally {
      docker(['rm', '-f', id]);
    }
    expect(msbLeftovers(id)).toEqual([]);
  });

  it('dev.gvisor.flag.host-uds=open within policy is honoured', async () => {
    const r = await dockerAsync(
      runArgs(aliases.udsOpen, '-v', `${hostSocket}:/run/host.sock`, 'local/busybox', 'sh', '-c', 'echo again | /usock connect /run/host.sock'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('host got: again\n');
  });
});

describe.skipIf(skipReason !== undefined)("socket mounts outside policy fail at create with msb's reason", () => {
  it('a host socket no sockets.connect rule names', () => {
    expect(refusal(aliases.deny, ['-v', `${hostSocket}:/run/host.sock`])).toContain(
      `msb: gvisor: bind mount of socket ${hostSocket} at /run/host.sock is not allowed: policy ${policies.deny} sockets.connect has no rule for ${hostSocket}`,
    );
  });

  it('a socket directory whose sockets.listen rule selects other containers', () => {
    expect(refusal(aliases.deny, ['-v', `${listenDir}:/srv/sock`])).toContain(
      `msb: gvisor: bind mount of socket directory ${listenDir} at /srv/sock is not allowed: policy ${policies.deny} sockets.listen[0] grants it only to containers with annotation io.example.agent=yes`,
    );
  });

  it('a declared control socket without a sockets.control rule', () => {
    expect(refusal(aliases.controlDeny, [])).toContain(
      `msb: gvisor: control socket /run/agent/ctl.sock (annotation io.msb.control-socket) is not allowed: policy ${policies.deny} sockets.control has no rule (no container may declare control sockets)`,
    );
  });

  it('dev.gvisor.flag.host-uds=all when policy allows the container only open', () => {
    expect(refusal(aliases.udsAll, ['-v', `${hostSocket}:/run/host.sock`])).toContain(
      `msb: gvisor: annotation dev.gvisor.flag.host-uds=all is not allowed: policy ${policies.openOnly} allows this container only open (sockets.connect[0]); create needs a sockets.listen or sockets.control rule that selects it`,
    );
  });
});
