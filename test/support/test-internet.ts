import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * The tests' own "internet" (issue 14): this host reaches nothing outside itself, so egress tests
 * make a network namespace joined to the host by a veth they create, holding TEST-NET addresses
 * (203.0.113.0/24, 198.51.100.0/24) with an HTTP server and a DNS server, and the routes to them.
 * Nothing is ever sent to an address whose route the test did not create: routeIsOurs() asserts it.
 */
export const INTERNET = {
  netns: 'msb-i14-inet',
  hostVeth: 'msbinet0',
  /** The link between the host and the namespace (never TEST-NET-1: the CI host's own uplink is 192.0.2.0/24). */
  hostAddress: '198.51.100.253',
  nsAddress: '198.51.100.254',
  dns: '198.51.100.53',
  allowed: '203.0.113.10',
  denied: '203.0.113.20',
  cdn: '203.0.113.30',
  /** Answered for rebind.allowed.test: an address on a private test network (an "internal" host). */
  rebindTarget: '10.203.113.9',
  /** The metadata address, served by the namespace to the test's Docker network only (policy routing). */
  meta: '169.254.169.254',
  /** The routing table and rule priority that send the test network's private destinations to the namespace. */
  table: '214',
  /** Reached by no name: a direct IP the container hard-codes. */
  direct: '198.51.100.80',
} as const;

/** freshName is the K-th fresh name (K < 200) and its address: no other name answers with it. */
export function freshName(k: number): { name: string; address: string } {
  return { name: `n${k}.fresh.allowed.test`, address: `203.0.113.${40 + k}` };
}

/** ZONE is what the namespace's DNS server answers (TTL 5 s), with the fresh names (freshName); everything else is NXDOMAIN. */
const ZONE: Record<string, string> = {
  'allowed.test': INTERNET.allowed,
  'denied.test': INTERNET.denied,
  'cdn.allowed.test': INTERNET.cdn,
  'rebind.allowed.test': INTERNET.rebindTarget,
};

function ip(args: string[], ns?: string): { ok: boolean; out: string; err: string } {
  const full = ns ? ['netns', 'exec', ns, 'ip', ...args] : args;
  const r = spawnSync('ip', full, { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

function must(args: string[], ns?: string): void {
  const r = ip(args, ns);
  if (!r.ok) throw new Error(`ip ${ns ? `(in ${ns}) ` : ''}${args.join(' ')}: ${r.err}`);
}

/**
 * routeIsOurs says whether the host routes an address through the test's veth (assert it before
 * sending); `from` and `iif` ask about traffic forwarded from a container's network.
 */
export function routeIsOurs(address: string, from?: { source: string; iif: string }): boolean {
  const r = ip(['-j', 'route', 'get', address, ...(from ? ['from', from.source, 'iif', from.iif] : [])]);
  if (!r.ok) return false;
  const [route] = JSON.parse(r.out) as { dev?: string }[];
  return route?.dev === INTERNET.hostVeth;
}

/** TestInternet is the running namespace; stop() removes it, its veth, its routes and its servers. */
export interface TestInternet {
  stop(): void;
}

/** removeInternet removes what a (possibly killed) earlier run left. */
function removeInternet(): void {
  for (const net of ['203.0.113.0/24', '198.51.100.0/24']) ip(['route', 'del', net, 'dev', INTERNET.hostVeth]);
  while (ip(['rule', 'del', 'priority', INTERNET.table]).ok);
  ip(['route', 'flush', 'table', INTERNET.table]);
  spawnSync('ip', ['netns', 'pids', INTERNET.netns], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .forEach((pid) => {
      try {
        process.kill(Number(pid), 'SIGKILL'); // only the test's own servers live in its namespace
      } catch {
        // gone
      }
    });
  ip(['link', 'del', INTERNET.hostVeth]);
  ip(['netns', 'del', INTERNET.netns]);
}

/**
 * startInternet makes the namespace, the veth, the addresses, the routes and the servers. The
 * TEST-NET ranges are routed for the whole host (nothing else uses them); the private and the
 * metadata address only for traffic from `privateFrom` (the test's Docker network), through a
 * routing table of the test's own, so the host's own 10/8 and metadata routes stay untouched.
 */
export async function startInternet(privateFrom: string): Promise<TestInternet> {
  removeInternet();
  const I = INTERNET;
  must(['netns', 'add', I.netns]);
  must(['link', 'add', I.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', I.netns]);
  for (const a of [I.hostAddress, I.dns, I.allowed, I.rebindTarget]) {
    if (ip(['-j', 'addr']).out.includes(`"local":"${a}"`)) throw new Error(`the host already holds ${a}: the test internet would shadow it`);
  }
  must(['addr', 'add', `${I.hostAddress}/30`, 'dev', I.hostVeth]);
  must(['link', 'set', I.hostVeth, 'up']);
  must(['addr', 'add', `${I.nsAddress}/30`, 'dev', 'eth0'], I.netns);
  for (const a of [I.dns, I.allowed, I.denied, I.cdn, I.direct, I.rebindTarget, I.meta]) must(['addr', 'add', `${a}/32`, 'dev', 'lo'], I.netns);
  // Every other address of 203.0.113.0/24 is the namespace's too (the fresh names' addresses, FRESH).
  must(['route', 'add', 'local', '203.0.113.0/24', 'dev', 'lo', 'table', 'local'], I.netns);
  must(['link', 'set', 'lo', 'up'], I.netns);
  must(['link', 'set', 'eth0', 'up'], I.netns);
  must(['route', 'add', 'default', 'via', I.hostAddress], I.netns);
  for (const net of ['203.0.113.0/24', '198.51.100.0/24']) must(['route', 'add', net, 'via', I.nsAddress, 'dev', I.hostVeth]);
  for (const a of [I.rebindTarget, I.meta]) must(['route', 'add', `${a}/32`, 'via', I.nsAddress, 'dev', I.hostVeth, 'table', I.table]);
  must(['rule', 'add', 'from', privateFrom, 'lookup', I.table, 'priority', I.table]);
  const server: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', I.netns, process.execPath, join(repoRoot, 'test/support/test-internet-server.mjs'), I.dns, JSON.stringify(ZONE)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the test internet's servers exited (${code})`)));
    server.stdout?.once('data', () => resolve());
  });
  return {
    stop(): void {
      server.kill('SIGKILL');
      removeInternet();
    },
  };
}
