// Egress profiles enforced for gVisor containers on the host (docs/egress.md), through real
// `docker run`: every destination kind × every built-in profile (and an operator profile that
// allows names), under runc (no policy: the reference) and under msb. The "internet" is the
// test's own network namespace (test/support/test-internet.ts); every address a container is sent
// to is routed there by the test, which is asserted before any container runs. A DNS bypass (a
// hard-coded IP, the container's own resolver) widens nothing; `docker rm -f` leaves no nftables
// object behind.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, get, type Server } from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egressKey } from '../../src/egress/nft-ruleset.js';
import { docker, dockerAsync, DOCKER_MSB_ROOT, dockerOk, dockerSkipReason, freshNetwork, msbLeftovers, waitUntil } from '../support/docker.js';
import { buildDnsprobe } from '../support/dnsq.js';
import { repoRoot } from '../support/paths.js';
import { INTERNET as I, routeIsOurs, startInternet, type TestInternet } from '../support/test-internet.js';

const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => spawnSync('test', ['-x', p]).status === 0);
const skipReason = dockerSkipReason() ?? (nft ? undefined : 'nft is not installed (apt-get install nftables)');
if (skipReason) console.warn(`SKIP docker egress enforcement suite: ${skipReason}`);

const NETWORK = 'msb-i14-egress';
const SUBNET = '172.29.14.0/24';
const GATEWAY = '172.29.14.1';
const HOST_PORT = 8014;
const PEER = 'msb-i14-peer';
const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const dir = mkdtempSync(join(tmpdir(), 'msb-i14-enforce-'));
chmodSync(dir, 0o755);
const policy = join(dir, 'policy.json');

/** PROFILES under msb; each is a runtime name registered with --egress=<profile>. */
const PROFILES = ['allow-all', 'public-only', 'airgapped', 'allowed-only'] as const;
type Column = 'runc' | (typeof PROFILES)[number];
const runtimeName = (p: string): string => `msb-i14-e-${p}`;

/** Cell is one destination kind: what the container runs to reach it (direct addresses first: nothing learned yet). */
interface Cell {
  kind: string;
  command: string;
  /** The address the packet goes to, asserted to be routed by the test (undefined: a peer or the gateway on the test's own network). */
  address?: string;
  /** The cell's outcome depends on the DNS relay's name filter (only the relay of this checkout has it). */
  byName?: boolean;
}

// busybox's wget segfaults on a URL with an IP address here; nc with a request is enough (an answer means reached).
const wget = (url: string): string => {
  const m = /^http:\/\/([^/:]+)(?::(\d+))?\//.exec(url);
  return `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${m?.[1]} ${m?.[2] ?? 80} | grep -q .`;
};
const CELLS: Cell[] = [
  { kind: 'direct IP of an allowed host', command: wget(`http://${I.allowed}/`), address: I.allowed },
  { kind: 'direct IP of a denied host', command: wget(`http://${I.denied}/`), address: I.denied },
  { kind: 'metadata 169.254.169.254', command: wget(`http://${I.meta}/`), address: I.meta },
  { kind: 'private address off the networks', command: wget(`http://${I.rebindTarget}/`), address: I.rebindTarget },
  { kind: 'the host behind the gateway', command: wget(`http://${GATEWAY}:${HOST_PORT}/`) },
  { kind: 'its own resolver (DNS bypass)', command: `timeout 8 nslookup denied.test ${I.dns}`, address: I.dns },
  { kind: 'a peer by service name', command: wget('http://peer/') },
  { kind: 'allowed name', command: wget('http://allowed.test/'), address: I.allowed, byName: true },
  { kind: 'denied name', command: wget('http://denied.test/'), address: I.denied, byName: true },
  { kind: 'suffix', command: wget('http://cdn.allowed.test/'), address: I.cdn, byName: true },
];

const O = true;
const X = false;
/** EXPECTED[kind] = reachable under runc, allow-all, public-only, airgapped, allowed-only. */
const EXPECTED: Record<string, boolean[]> = {
  'direct IP of an allowed host': [O, O, O, X, X],
  'direct IP of a denied host': [O, O, O, X, X],
  'metadata 169.254.169.254': [O, O, X, X, X],
  'private address off the networks': [O, O, X, X, X],
  'the host behind the gateway': [O, O, X, X, X],
  'its own resolver (DNS bypass)': [O, O, O, X, X],
  'a peer by service name': [O, O, O, O, O],
  'allowed name': [O, O, O, X, O],
  'denied name': [O, O, O, X, X],
  suffix: [O, O, O, X, O],
};
const COLUMNS: Column[] = ['runc', ...PROFILES];

let internet: TestInternet | undefined;
let hostServer: Server | undefined;
let ourRelay = false;

function ctl(args: string[]): void {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

function tableText(): string {
  return spawnSync(nft as string, ['list', 'table', 'inet', 'msb'], { encoding: 'utf8' }).stdout;
}

/** probe runs every cell in one container and returns kind → reachable. */
function probe(column: Column): { id: string } {
  const script = CELLS.map((c, i) => `if ${c.command} >/dev/null 2>&1; then echo "cell${i}=open"; else echo "cell${i}=closed"; fi`).join('\n');
  const name = `msb-i14-probe-${column}`;
  docker(['rm', '-f', name]);
  const run = [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    NETWORK,
    '--dns',
    I.dns,
    ...(column === 'runc' ? ['--runtime=runc'] : [`--runtime=${runtimeName(column)}`]),
    'local/busybox',
    'sh',
    '-c',
    `${script}\necho done; sleep 600`,
  ];
  const id = dockerOk(run).trim();
  return { id };
}

async function collect(id: string): Promise<Record<string, boolean>> {
  await waitUntil(() => docker(['logs', id]).stdout.includes('done'), 120_000);
  const out = docker(['logs', id]).stdout;
  const results: Record<string, boolean> = {};
  CELLS.forEach((c, i) => {
    const m = new RegExp(`cell${i}=(open|closed)`).exec(out);
    if (m) results[c.kind] = m[1] === 'open';
  });
  return results;
}

beforeAll(async () => {
  if (skipReason) return;
  writeFileSync(
    policy,
    JSON.stringify({
      dns: { upstreams: [I.dns] },
      egress: { profiles: { 'allowed-only': { rules: ['allow@allowed.test:tcp:80,allow@*.allowed.test:tcp:80'] } } },
    }),
  );
  for (const p of PROFILES)
    ctl(['install', '--name', runtimeName(p), '--path', runtime, '--runtime-arg', `--egress=${p}`, '--runtime-arg', `--policy=${policy}`]);
  const registered = await waitUntil(() => PROFILES.every((p) => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${runtimeName(p)}"`)));
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
  freshNetwork(NETWORK, ['--subnet', SUBNET, '--gateway', GATEWAY]);
  internet = await startInternet(SUBNET);
  const bridge = `br-${dockerOk(['network', 'inspect', NETWORK, '--format', '{{.Id}}']).trim().slice(0, 12)}`;
  for (const c of CELLS) {
    if (c.address && !routeIsOurs(c.address, { source: '172.29.14.5', iif: bridge }))
      throw new Error(`${c.address} (${c.kind}) is not routed to the test's namespace: refusing to send anything`);
  }
  hostServer = createServer((_req, res) => res.end('the host\n'));
  await new Promise<void>((resolve) => hostServer?.listen(HOST_PORT, GATEWAY, resolve));
  docker(['rm', '-f', PEER]);
  dockerOk([
    'run',
    '-d',
    '--name',
    PEER,
    '--network',
    NETWORK,
    '--network-alias',
    'peer',
    'local/busybox',
    'sh',
    '-c',
    'mkdir -p /w && echo peer >/w/index.html && exec httpd -f -p 80 -h /w',
  ]);
  // Only this checkout's relay has the name filter; with none running, the first msb container starts this one's.
  type Status = { running?: boolean; status?: { pid?: number; install?: { entry?: string; state?: string } } };
  const relay = (): Status | undefined => {
    try {
      return JSON.parse(spawnSync(msbctl, ['dns', 'status', '--json'], { encoding: 'utf8' }).stdout) as Status;
    } catch {
      return undefined;
    }
  };
  let s = relay();
  const ours = (x: Status | undefined): boolean => (x?.status?.install?.entry ?? '').startsWith(repoRoot);
  if (s?.running && ours(s) && s.status?.install?.state === 'changed' && s.status.pid) {
    // This checkout's relay, started before its last build: its supervisor restarts it from the
    // new build once it ends (what docs/dns.md tells an operator to do).
    process.kill(s.status.pid, 'SIGTERM');
    for (let i = 0; i < 100 && !(s?.running && s.status?.install?.state === 'current'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = relay();
    }
  }
  ourRelay = s !== undefined && (!s.running || (ours(s) && s.status?.install?.state === 'current'));
}, 120_000);

afterAll(() => {
  if (!skipReason) {
    for (const c of COLUMNS) docker(['rm', '-f', `msb-i14-probe-${c}`]);
    docker(['rm', '-f', PEER]);
    docker(['network', 'rm', NETWORK]);
    for (const p of PROFILES) ctl(['uninstall', '--name', runtimeName(p)]);
  }
  hostServer?.close();
  internet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('egress profiles enforced on the host (gVisor)', () => {
  it('every destination kind × profile is what the profile says; runc is the reference; rm -f leaves no nftables object', async () => {
    // All columns run at once (each container probes its cells one after another).
    const started = COLUMNS.map((c) => ({ column: c, ...probe(c) }));
    const table: Record<string, Record<string, boolean | undefined>> = {};
    const expected: Record<string, Record<string, boolean | undefined>> = {};
    const keys: Record<string, string> = {};
    for (const s of started) {
      const results = await collect(s.id);
      if (s.column !== 'runc') keys[s.column] = egressKey(join(DOCKER_MSB_ROOT, 'msb', 'containers', s.id));
      for (const c of CELLS) {
        const want = EXPECTED[c.kind]?.[COLUMNS.indexOf(s.column)];
        // Cells decided by the relay's name filter are checked only where this checkout's relay serves.
        const skip = c.byName === true && !ourRelay && s.column === 'allowed-only';
        (table[c.kind] ??= {})[s.column] = skip ? undefined : results[c.kind];
        (expected[c.kind] ??= {})[s.column] = skip ? undefined : want;
      }
    }
    if (!ourRelay)
      console.warn(
        "SKIP the allowed-only name cells: the host's DNS relay runs another build (another checkout, or this one before its last build: msbctl dns status), without this one's name filter",
      );
    console.log(JSON.stringify(table, null, 1));
    expect(table).toEqual(expected);
    // msbctl egress status: every enforced container, installed, with the packets it was refused.
    const status = JSON.parse(spawnSync(msbctl, ['egress', 'status', '--json'], { encoding: 'utf8' }).stdout) as {
      id: string;
      profile: string;
      installed: boolean;
      dropped: { packets: number };
    }[];
    for (const s of started.filter((x) => x.column !== 'runc' && x.column !== 'allow-all')) {
      const row = status.find((r) => r.id === s.id);
      expect(row, s.column).toMatchObject({ profile: s.column, installed: true });
      expect(row?.dropped.packets, s.column).toBeGreaterThan(0);
    }
    expect(status.find((r) => r.id === started.find((x) => x.column === 'allow-all')?.id)).toBeUndefined();
    // The enforced containers' objects are in the table while they run, and gone after docker rm -f.
    const before = tableText();
    for (const p of ['public-only', 'airgapped', 'allowed-only']) expect(before, p).toContain(`c_${keys[p]}`);
    for (const s of started) {
      docker(['rm', '-f', s.id]);
      expect(msbLeftovers(s.id)).toEqual([]);
    }
    const after = tableText();
    for (const p of PROFILES) expect(after, p).not.toContain(keys[p] as string);
  }, 300_000);

  it('msbctl egress log: a refused lookup (container, name, why) and a refused connection (container, destination), also with --follow', async () => {
    // Refused lookups are logged by the relay: only a relay of this build writes them.
    if (!ourRelay)
      console.warn(
        "SKIP the refused-lookup half of the egress log test: the host's DNS relay runs another build (msbctl dns status), which may not log them; the refused connections are still checked",
      );
    const name = 'msb-i14-log';
    docker(['rm', '-f', name]);
    const since = new Date(Date.now() - 1000).toISOString();
    const c = dockerOk([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      NETWORK,
      '--dns',
      I.dns,
      `--runtime=${runtimeName('allowed-only')}`,
      'local/busybox',
      'sleep',
      '600',
    ]).trim();
    const follower = spawn(msbctl, ['egress', 'log', c.slice(0, 12), '--follow', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d.toString()));
    try {
      expect(routeIsOurs(I.denied)).toBe(true);
      expect(docker(['exec', c, 'nslookup', 'denied.test']).status).not.toBe(0);
      expect(docker(['exec', c, 'sh', '-c', wget(`http://${I.denied}/`)]).status).not.toBe(0);
      type Entry = { id: string; kind: string; destination: string; name?: string; reason?: string };
      const entries = (): Entry[] =>
        spawnSync(msbctl, ['egress', 'log', name, '--since', since, '--json'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Entry);
      // The relay writes its log asynchronously: give it a moment.
      await waitUntil(() => entries().some((e) => e.kind === (ourRelay ? 'lookup' : 'connection')), 5000);
      const all = entries();
      console.log(`msbctl egress log ${name} --json:\n${all.map((e) => JSON.stringify(e)).join('\n')}`);
      expect(all).toContainEqual(expect.objectContaining({ id: c, kind: 'connection', destination: `${I.denied}:80/tcp` }));
      expect(all.every((e) => e.id === c)).toBe(true);
      const human = spawnSync(msbctl, ['egress', 'log', '--since', since], { encoding: 'utf8' }).stdout;
      expect(human).toMatch(
        new RegExp(`${c.slice(0, 12)} \\(${name}\\)  connection to ${I.denied.replace(/\./g, '\\.')}:80/tcp from [0-9.]+ on veth\\w+: dropped`),
      );
      if (ourRelay) {
        expect(all).toContainEqual(expect.objectContaining({ id: c, kind: 'lookup', name: 'denied.test', destination: 'denied.test A', reason: 'not-a-peer' }));
        expect(human).toMatch(new RegExp(`${c.slice(0, 12)} \\(${name}\\)  lookup denied.test A: not-a-peer`));
      }
      // --follow printed what was there, and prints a refusal that comes later.
      expect(docker(['exec', c, 'sh', '-c', wget(`http://${I.denied}:81/`)]).status).not.toBe(0);
      expect(await waitUntil(() => followed.includes(`"destination":"${I.denied}:81/tcp"`), 10_000)).toBe(true);
      expect(followed).toContain(`"destination":"${I.denied}:80/tcp"`);
      if (ourRelay) {
        expect(docker(['exec', c, 'nslookup', 'later.denied.test']).status).not.toBe(0);
        expect(await waitUntil(() => followed.includes('"name":"later.denied.test"'), 10_000)).toBe(true);
        expect(followed).toContain('"name":"denied.test"');
      }
    } finally {
      follower.kill('SIGTERM');
      docker(['rm', '-f', name]);
    }
  }, 120_000);

  const dnsprobe = buildDnsprobe(dir);
  const probeMount = 'path' in dnsprobe ? ['-v', `${dnsprobe.path}:/dnsprobe:ro`] : [];
  it('kill -9 of the DNS relay opens no window: the rules hold while it is down, and the restarted relay filters names by the profile again', async (ctx) => {
    const status = (): { running?: boolean; status?: { pid?: number } } =>
      JSON.parse(spawnSync(msbctl, ['dns', 'status', '--json'], { encoding: 'utf8' }).stdout || '{}') as { running?: boolean; status?: { pid?: number } };
    const name = 'msb-i14-relaykill';
    docker(['rm', '-f', name]);
    const c = dockerOk([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      NETWORK,
      '--dns',
      I.dns,
      ...probeMount,
      `--runtime=${runtimeName('allowed-only')}`,
      'local/busybox',
      'sleep',
      '600',
    ]).trim();
    try {
      const pid = status().status?.pid;
      if (!ourRelay || pid === undefined || 'skip' in dnsprobe) {
        console.warn(
          `SKIP relay kill -9: ${pid === undefined ? 'no relay is running' : 'skip' in dnsprobe ? dnsprobe.skip : "the host's DNS relay runs another build (msbctl dns status)"}`,
        );
        ctx.skip();
        return;
      }
      const exec = (cmd: string): number => docker(['exec', c, 'sh', '-c', cmd]).status;
      expect(exec(wget('http://allowed.test/'))).toBe(0);
      // The outage as a client sees it that asks every 100 ms, each attempt waiting 100 ms for its
      // own answer (test/support/dnsprobe.c): the longest time between two answers.
      const prober = dockerAsync(['exec', c, '/dnsprobe', GATEWAY, 'allowed.test', '100', '12000'], { timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 2000));
      process.kill(pid, 'SIGKILL');
      // The rules are the kernel's: while the relay is down or restarting, nothing opens (probed
      // at once, next to the prober that times the relay's return).
      const closed = [wget(`http://${I.denied}/`), wget(`http://${GATEWAY}:${HOST_PORT}/`)].map((cmd) => dockerAsync(['exec', c, 'sh', '-c', cmd]));
      const probed = await prober;
      const m = /oks=(\d+) fails=(\d+) max_gap_ms=(\d+) gap_start_ms=(-?\d+)/.exec(probed.stdout);
      console.log(`relay kill -9: ${probed.stdout.trim()}: names unanswered for at most ${m?.[3] ?? '?'} ms (new relay pid ${status().status?.pid})`);
      expect((await Promise.all(closed)).map((r) => r.status !== 0)).toEqual([true, true]);
      expect(m, probed.stdout + probed.stderr).not.toBeNull();
      // The prober saw the outage (attempts failed) and answers after it (a gap is between two answers).
      expect(Number(m?.[2])).toBeGreaterThan(0);
      expect(Number(m?.[3])).toBeGreaterThan(0);
      expect(status().status?.pid).not.toBe(pid);
      // The new relay read the container's profile from its record: a denied name stays NXDOMAIN, the allowed one is reached.
      expect(docker(['exec', c, 'nslookup', 'denied.test']).stdout + docker(['exec', c, 'nslookup', 'denied.test']).stderr).toMatch(/NXDOMAIN|can't find/);
      expect(exec(wget('http://allowed.test/'))).toBe(0);
    } finally {
      docker(['rm', '-f', name]);
    }
  }, 180_000);

  it("a container that sends with another container's source address still gets its own profile (rules are tied to its veth)", async () => {
    expect(routeIsOurs(I.allowed)).toBe(true);
    const count = (): Promise<number> =>
      new Promise((resolve, reject) => {
        get({ host: I.allowed, port: 80, path: '/count81', timeout: 3000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(Number(body.trim())));
        }).on('error', reject);
      });
    const run = (name: string, profile: string, script: string): string =>
      dockerOk([
        'run',
        '-d',
        '--name',
        name,
        '--network',
        NETWORK,
        '--cap-add',
        'NET_ADMIN',
        `--runtime=${runtimeName(profile)}`,
        'local/busybox',
        'sh',
        '-c',
        script,
      ]).trim();
    for (const n of ['msb-i14-victim', 'msb-i14-forger', 'msb-i14-control']) docker(['rm', '-f', n]);
    const victim = run('msb-i14-victim', 'public-only', 'sleep 600');
    const address = dockerOk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, victim]).trim();
    // Take the victim's address as the only one, then knock three times on port 81 of an address public-only reaches.
    const forge = `own=$(ip -4 -o addr show eth0 | awk '{print $4}'); ip addr add ${address}/24 dev eth0 && ip addr del $own dev eth0; ip route add default via ${GATEWAY} 2>/dev/null; ip -4 -o addr show eth0; for i in 1 2 3; do nc -w 2 ${I.allowed} 81 </dev/null; done; echo done; sleep 600`;
    try {
      const before = await count();
      const forger = run('msb-i14-forger', 'airgapped', forge);
      expect(await waitUntil(() => docker(['logs', forger]).stdout.includes('done'), 60_000)).toBe(true);
      expect(docker(['logs', forger]).stdout).toContain(`inet ${address}/24`);
      const afterForger = await count();
      expect(afterForger).toBe(before);
      // The control: the same forgery from a public-only container arrives, so the method works.
      const control = run('msb-i14-control', 'public-only', forge);
      expect(await waitUntil(() => docker(['logs', control]).stdout.includes('done'), 60_000)).toBe(true);
      expect(await count()).toBeGreaterThan(afterForger);
    } finally {
      for (const n of ['msb-i14-victim', 'msb-i14-forger', 'msb-i14-control']) docker(['rm', '-f', n]);
    }
  }, 180_000);
});
