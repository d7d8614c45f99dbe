// Issue 14's "Done when", through real `docker run` under msb (gVisor, nftables, the DNS relay):
// - the first connection after a lookup succeeds in 200 of 200 tries: 200 names never asked
//   before, each answering an address no other name has, so every lookup makes the relay learn
//   an address into the kernel's set before it answers; not one packet of the container is
//   dropped on the way;
// - 20 containers started at once, each with its own profile (allow one address of the test's
//   internet), reach exactly their own address and none of the others'; one that sends with
//   another's source address is dropped by its own interface's rules (its drop counter moves,
//   nothing arrives), while the owner's own datagrams arrive (the method works).
// The "internet" is the test's own network namespace (test/support/test-internet.ts); every
// address is asserted to be routed there before anything is sent.
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAsync, dockerOk, dockerSkipReason, freshNetwork, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';
import { buildStaticTool } from '../support/static-tool.js';
import { freshName, INTERNET as I, routeIsOurs, startInternet, type TestInternet } from '../support/test-internet.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-i14-conc-'));
chmodSync(dir, 0o755);
const blast = buildStaticTool('blast', dir, 'the in-container UDP sender');
const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => spawnSync('test', ['-x', p]).status === 0);
const skipReason = dockerSkipReason() ?? (nft ? undefined : 'nft is not installed (apt-get install nftables)') ?? ('skip' in blast ? blast.skip : undefined);
if (skipReason) console.warn(`SKIP docker egress concurrency suite: ${skipReason}`);

const NETWORK = 'msb-i14-conc';
const SUBNET = '172.29.17.0/24';
const GATEWAY = '172.29.17.1';
const N = 20;
const TRIES = 200;
const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const policy = join(dir, 'policy.json');
const only = (k: number): string => `only-${k}`;
const runtimeName = (profile: string): string => `msb-i14-c-${profile}`;
const PROFILES = ['allowed-only', ...Array.from({ length: N }, (_, k) => only(k))];
const container = (k: number): string => `msb-i14-conc-${k}`;

let internet: TestInternet | undefined;
let ourRelay = false;

/** ctlAsync runs msbctl without blocking the test worker (many in a row would starve vitest's own messages). */
function ctlAsync(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(msbctl, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`msbctl ${args.join(' ')}: ${stderr}`))));
  });
}

function ctl(args: string[]): string {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function httpGet(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: I.allowed, port: 80, path, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** dropped is what msbctl egress status counts as dropped for each enforced container (id → packets). */
function dropped(): Map<string, number> {
  const rows = JSON.parse(ctl(['egress', 'status', '--json'])) as { id: string; dropped: { packets: number } }[];
  return new Map(rows.map((r) => [r.id, r.dropped.packets]));
}

const request = (address: string, port = 80): string => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} ${port}`;

beforeAll(async () => {
  if (skipReason) return;
  const profiles: Record<string, { rules: string[] }> = { 'allowed-only': { rules: ['allow@allowed.test:tcp:80,allow@*.allowed.test:tcp:80'] } };
  for (let k = 0; k < N; k++) profiles[only(k)] = { rules: [`allow@${freshName(k).address}`] };
  writeFileSync(policy, JSON.stringify({ dns: { upstreams: [I.dns] }, egress: { profiles } }));
  // dockerd reloads once, after the last (each reload costs seconds).
  for (const [i, p] of PROFILES.entries())
    await ctlAsync([
      'install',
      '--name',
      runtimeName(p),
      '--path',
      runtime,
      '--runtime-arg',
      `--egress=${p}`,
      '--runtime-arg',
      `--policy=${policy}`,
      ...(i < PROFILES.length - 1 ? ['--no-reload'] : []),
    ]);
  const registered = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return PROFILES.every((p) => info.includes(`"${runtimeName(p)}"`));
  }, 60_000);
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
  freshNetwork(NETWORK, ['--subnet', SUBNET, '--gateway', GATEWAY]);
  internet = await startInternet(SUBNET);
  const bridge = `br-${dockerOk(['network', 'inspect', NETWORK, '--format', '{{.Id}}']).trim().slice(0, 12)}`;
  for (let k = 0; k < TRIES; k++) {
    const a = freshName(k).address;
    if (!routeIsOurs(a) || !routeIsOurs(a, { source: '172.29.17.5', iif: bridge }))
      throw new Error(`${a} is not routed to the test's namespace: refusing to send anything`);
  }
  // The relay is the host's: with none running, the first msb container starts this checkout's;
  // a running one (another checkout's) must come from a build that learns names' addresses (its
  // relay.js has learnCommands). One started from an older build of it could only fail the test
  // (an address not learned is dropped), never pass it falsely.
  type Status = { running?: boolean; status?: { install?: { entry?: string; state?: string } } };
  let s: Status | undefined;
  try {
    s = JSON.parse(spawnSync(msbctl, ['dns', 'status', '--json'], { encoding: 'utf8' }).stdout) as Status;
  } catch {
    s = undefined;
  }
  const entry = s?.status?.install?.entry ?? '';
  const learns = (): boolean => {
    try {
      return readFileSync(join(dirname(entry), 'relay.js'), 'utf8').includes('learnCommands');
    } catch {
      return false;
    }
  };
  ourRelay = s !== undefined && (!s.running || learns());
}, 180_000);

afterAll(async () => {
  if (!skipReason) {
    // One rm per container, at once: dockerd stops gVisor sandboxes one by one within a single rm.
    await Promise.all(['msb-i14-conc-names', ...Array.from({ length: N }, (_, k) => container(k))].map((c) => dockerAsync(['rm', '-f', c])));
    await dockerAsync(['network', 'rm', NETWORK]);
    for (const [i, p] of PROFILES.entries()) await ctlAsync(['uninstall', '--name', runtimeName(p), ...(i < PROFILES.length - 1 ? ['--no-reload'] : [])]);
  }
  internet?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skipReason !== undefined)('egress under load (gVisor)', () => {
  it(`the first connection after a lookup succeeds in ${TRIES} of ${TRIES} tries, each a name and an address learned anew`, async (ctx) => {
    if (!ourRelay) {
      console.warn("SKIP first connection after a lookup: the host's DNS relay comes from a build that does not learn names' addresses (msbctl dns status)");
      ctx.skip();
      return;
    }
    const name = 'msb-i14-conc-names';
    docker(['rm', '-f', name]);
    const id = dockerOk([
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
    // One lookup of a name outside the test, so the relay has registered the container before the count starts.
    docker(['exec', id, 'nslookup', 'allowed.test']);
    const before = dropped().get(id);
    expect(before).toBeDefined();
    const script = `ok=0; for i in $(seq 0 ${TRIES - 1}); do if ${request('n$i.fresh.allowed.test')} | grep -q "hello from 203.0.113.$((40 + i))"; then ok=$((ok + 1)); else echo "failed n$i"; fi; done; echo "ok=$ok"`;
    const r = await dockerAsync(['exec', id, 'sh', '-c', script], { timeout: 240_000 });
    const after = dropped().get(id);
    // The relay learned the last names' addresses into the suffix rule's set (the older ones may have expired).
    const rows = JSON.parse(ctl(['egress', 'status', '--json'])) as { id: string; learned: { address: string }[] }[];
    expect(rows.find((x) => x.id === id)?.learned.map((l) => l.address)).toContain(freshName(TRIES - 1).address);
    console.log(
      `first connection after a lookup: ${/ok=(\d+)/.exec(r.stdout)?.[1]} of ${TRIES}; packets of the container dropped meanwhile: ${(after ?? 0) - (before ?? 0)}`,
    );
    expect(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('failed')),
    ).toEqual([]);
    expect(r.stdout).toContain(`ok=${TRIES}`);
    // A first SYN dropped and retransmitted would still connect: the drop counter shows it.
    expect(after).toBe(before);
    docker(['rm', '-f', name]);
  }, 300_000);

  it(`${N} containers started at once reach only what their own profile allows, also with another's source address`, async () => {
    const script = Array.from(
      { length: N },
      (_, j) => `(if ${request(freshName(j).address)} | grep -q .; then echo "r${j}=open"; else echo "r${j}=closed"; fi) &`,
    ).join('\n');
    const mount = 'path' in blast ? ['-v', `${blast.path}:/blast:ro`] : [];
    docker(['rm', '-f', ...Array.from({ length: N }, (_, k) => container(k))]);
    const started = await Promise.all(
      Array.from({ length: N }, (_, k) =>
        dockerAsync(
          [
            'run',
            '-d',
            '--name',
            container(k),
            '--network',
            NETWORK,
            '--cap-add',
            'NET_ADMIN',
            ...mount,
            `--runtime=${runtimeName(only(k))}`,
            'local/busybox',
            'sh',
            '-c',
            `${script}\nwait; echo done; sleep 600`,
          ],
          { timeout: 180_000 },
        ),
      ),
    );
    expect(started.map((r) => (r.status === 0 ? '' : r.stderr.trim()))).toEqual(Array(N).fill(''));
    const ids = started.map((r) => r.stdout.trim());
    expect(await waitUntil(() => ids.every((id) => docker(['logs', id]).stdout.includes('done')), 180_000)).toBe(true);
    const reached: string[][] = ids.map((id) => {
      const out = docker(['logs', id]).stdout;
      return Array.from({ length: N }, (_, j) => (new RegExp(`r${j}=open`).test(out) ? freshName(j).address : '')).filter(Boolean);
    });
    expect(reached).toEqual(Array.from({ length: N }, (_, k) => [freshName(k).address]));

    // Container 0 takes container 1's address and sends UDP to the address only container 1 may reach.
    const victim = dockerOk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, ids[1] as string]).trim();
    const target = freshName(1).address;
    const count = async (): Promise<number> => Number((await httpGet('/udp83')).trim());
    const before = await count();
    const forgerBefore = dropped().get(ids[0] as string) ?? NaN;
    const forge = `own=$(ip -4 -o addr show eth0 | awk '{print $4}'); ip addr add ${victim}/24 dev eth0 && ip addr del $own dev eth0; ip route add default via ${GATEWAY} 2>/dev/null; ip -4 -o addr show eth0; /blast -u ${target} 83 10`;
    const f = docker(['exec', ids[0] as string, 'sh', '-c', forge]);
    expect(f.stdout).toContain(`inet ${victim}/24`);
    expect(f.status, f.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await count()).toBe(before);
    expect(dropped().get(ids[0] as string)).toBeGreaterThanOrEqual(forgerBefore + 10);
    // The control: the owner of the address sends the same, and it arrives.
    expect(docker(['exec', ids[1] as string, '/blast', '-u', target, '83', '10']).status).toBe(0);
    expect(
      await waitUntil(
        () => spawnSync('curl', ['-s', '-m', '2', `http://${I.allowed}/udp83`], { encoding: 'utf8' }).stdout.trim() === String(before + 10),
        5000,
      ),
    ).toBe(true);
  }, 420_000);
});
