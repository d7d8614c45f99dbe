// The relay under an egress profile, over real loopback sockets: a fake Docker resolver (the
// peers) and a fake upstream (the test zone) stand in for the container's netns and its --dns.
// Which names are answered, rebind protection and its switch, and that an allowed name's
// addresses are in the container's set BEFORE the answer is sent: with a recorder, and with
// real nft on a real set when the host has it (test/docker/egress-enforce.test.ts runs all of it
// through Docker).
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, buildResponse, readAnswers } from './dns-message.js';
import { readHeader, readQuestion, Rcode } from './dns-wire.js';
import type { DeniedLookup } from '../egress/denied-names-log.js';
import { DnsRelay, nftLearn, type RelayOptions } from './relay.js';
import type { Registration } from './registration.js';
import type { EgressNames } from '../egress/name-policy.js';
import { namePolicy } from '../egress/host-enforcement.js';
import { allProfiles } from '../egress/profiles.js';

const base = 20000 + Math.floor(Math.random() * 20000);
const DOCKER_PORT = base + 1;
const UPSTREAM_PORT = base + 2;
const A = (ip: string, ttl = 5) => ({ type: 1, ttl, data: Buffer.from(ip.split('.').map(Number)) });
const ZONE: Record<string, string> = {
  'allowed.test': '203.0.113.10',
  'denied.test': '203.0.113.20',
  'cdn.allowed.test': '203.0.113.30',
  'rebind.allowed.test': '10.203.113.9',
  'rebind.test': '10.203.113.9',
};
const KEY = '00000000000000e5';
const profiles = allProfiles(
  {
    'allowed-only': { rules: ['allow@allowed.test:tcp:80,allow@*.allowed.test:tcp:80'] },
    'names-no-rebind': { rules: ['allow@public,allow@*.allowed.test'], dnsRebindProtection: false },
    'deny-one': { rules: ['deny@denied.test,allow@public'] },
  },
  'test',
);
const NETWORKS = [{ veth: 'vethX', address: '172.29.14.2', prefix: 24, gateway: '172.29.14.1' }];

function egressOf(name: string): EgressNames {
  const p = profiles[name];
  if (!p) throw new Error(name);
  return { ...namePolicy(p, KEY), peers: p.peers, dnsRebindProtection: p.dnsRebindProtection, networks: NETWORKS };
}

let docker: Socket;
let upstream: Socket;
const upstreamAsked: string[] = [];

function bound(port: number, onMessage: (s: Socket, m: Buffer, port: number, address: string) => void): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => onMessage(s, m, r.port, r.address));
  return new Promise((resolve) => s.bind(port, '127.0.0.1', () => resolve(s)));
}

async function relayFor(port: number, profile: string, learn?: RelayOptions['learn'], extra: Partial<RelayOptions> = {}): Promise<DnsRelay> {
  const relay = new DnsRelay({
    nsenter: '/nonexistent',
    port,
    upstreamPort: UPSTREAM_PORT,
    embeddedDns: { address: '127.0.0.1', port: DOCKER_PORT },
    upstreamTimeoutMs: 500,
    embeddedSlowMs: 100,
    openDockerSocket: () =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      }),
    ...(learn ? { learn } : {}),
    ...extra,
  });
  const reg: Registration = {
    id: `c-${profile}`,
    pid: 1,
    netns: '/proc/1/ns/net',
    addresses: ['127.0.0.1'],
    gateways: ['127.0.0.1'],
    upstreams: ['127.0.0.1'],
    rateLimit: 1000,
    egress: egressOf(profile),
  };
  await relay.register(reg);
  return relay;
}

function ask(port: number, name: string, type = 1): Promise<{ rcode?: number; addresses: string[]; at: number } | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, 1500);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve({ rcode: readHeader(m)?.rcode, addresses: (readAnswers(m) ?? []).filter((r) => r.type === 1).map((r) => r.data), at: Date.now() });
    });
    s.bind(0, '127.0.0.1', () => s.send(buildQuery(Math.floor(Math.random() * 65535), name, type), port, '127.0.0.1'));
  });
}

beforeAll(async () => {
  docker = await bound(DOCKER_PORT, (s, m, port, address) => {
    const name = readQuestion(m)?.name;
    if (name === 'peer') s.send(buildResponse(m, readQuestion(m)?.type === 1 ? [A('172.29.14.3', 600)] : []), port, address);
    // Docker's resolver stays silent for names it cannot forward (docs/dns.md)
  });
  upstream = await bound(UPSTREAM_PORT, (s, m, port, address) => {
    const q = readQuestion(m);
    upstreamAsked.push(q?.name ?? '?');
    const a = q && ZONE[q.name];
    s.send(a ? buildResponse(m, q.type === 1 ? [A(a)] : []) : buildResponse(m, [], { rcode: Rcode.NXDOMAIN }), port, address);
  });
});

afterAll(() => {
  docker.close();
  upstream.close();
});

describe('the relay under an egress profile', () => {
  it('public-only: every public name is answered, a peer by its name too; rebind answers are NXDOMAIN; nothing is learned', async () => {
    const learned: string[] = [];
    const relay = await relayFor(base + 10, 'public-only', (set, _a, _t, done) => {
      learned.push(set);
      done();
    });
    expect(await ask(base + 10, 'denied.test')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.20'] });
    expect(await ask(base + 10, 'peer')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['172.29.14.3'] });
    expect(await ask(base + 10, 'rebind.test')).toMatchObject({ rcode: Rcode.NXDOMAIN, addresses: [] });
    expect(relay.stateOf('c-public-only')).toMatchObject({ rebindDropped: 1, deniedNames: 0 });
    expect(learned).toEqual([]);
    await relay.close();
  });

  it("airgapped: only the peers' names; other names are NXDOMAIN and never asked upstream", async () => {
    const relay = await relayFor(base + 11, 'airgapped');
    const before = upstreamAsked.length;
    expect(await ask(base + 11, 'peer')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['172.29.14.3'] });
    expect(await ask(base + 11, 'peer', 28)).toMatchObject({ rcode: Rcode.NOERROR, addresses: [] });
    expect(await ask(base + 11, 'allowed.test')).toMatchObject({ rcode: Rcode.NXDOMAIN });
    expect(await ask(base + 11, 'secret-data.exfil.example')).toMatchObject({ rcode: Rcode.NXDOMAIN });
    expect(upstreamAsked.slice(before)).toEqual([]);
    expect(relay.stateOf('c-airgapped')).toMatchObject({ deniedNames: 2 });
    await relay.close();
  });

  it("names in rules: allowed name and suffix learned into their rule's set for the TTL (at least 10 s) before the answer; other names NXDOMAIN", async () => {
    const learned: { set: string; addresses: string[]; ttl: number; doneAt: number }[] = [];
    const relay = await relayFor(base + 12, 'allowed-only', (set, addresses, ttl, done) => {
      setTimeout(() => {
        learned.push({ set, addresses, ttl, doneAt: Date.now() });
        done();
      }, 50);
    });
    const a = await ask(base + 12, 'allowed.test');
    const c = await ask(base + 12, 'cdn.allowed.test');
    expect(a).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.10'] });
    expect(c).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.30'] });
    expect(learned.map(({ set, addresses, ttl }) => ({ set, addresses, ttl }))).toEqual([
      { set: `n_${KEY}_0`, addresses: ['203.0.113.10'], ttl: 10 },
      { set: `n_${KEY}_1`, addresses: ['203.0.113.30'], ttl: 10 },
    ]);
    expect(a?.at).toBeGreaterThanOrEqual(learned[0]?.doneAt ?? Infinity);
    expect(c?.at).toBeGreaterThanOrEqual(learned[1]?.doneAt ?? Infinity);
    expect(await ask(base + 12, 'denied.test')).toMatchObject({ rcode: Rcode.NXDOMAIN });
    // rebind.allowed.test matches *.allowed.test but answers a private address: dropped.
    expect(await ask(base + 12, 'rebind.allowed.test')).toMatchObject({ rcode: Rcode.NXDOMAIN });
    expect(relay.stateOf('c-allowed-only')).toMatchObject({ learned: 2, deniedNames: 1, rebindDropped: 1 });
    await relay.close();
  });

  it('reuses a filtered answer that taught no set (≤ 1 s, like any answer), never one whose addresses were learned', async () => {
    const learned: string[] = [];
    const r1 = await relayFor(base + 19, 'public-only');
    const before = upstreamAsked.length;
    expect(await ask(base + 19, 'denied.test')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.20'] });
    expect(await ask(base + 19, 'denied.test')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.20'] });
    expect(upstreamAsked.slice(before)).toEqual(['denied.test']);
    expect(r1.stateOf('c-public-only')).toMatchObject({ answeredCache: 1 });
    // Rebind drops are not reused: each is asked, dropped and counted.
    await ask(base + 19, 'rebind.test');
    await ask(base + 19, 'rebind.test');
    expect(r1.stateOf('c-public-only')).toMatchObject({ rebindDropped: 2 });
    await r1.close();
    const r2 = await relayFor(base + 20, 'allowed-only', (set, _a, _t, done) => {
      learned.push(set);
      done();
    });
    expect(await ask(base + 20, 'allowed.test')).toMatchObject({ addresses: ['203.0.113.10'] });
    expect(await ask(base + 20, 'allowed.test')).toMatchObject({ addresses: ['203.0.113.10'] });
    expect(learned).toEqual([`n_${KEY}_0`, `n_${KEY}_0`]);
    expect(r2.stateOf('c-allowed-only')).toMatchObject({ answeredCache: 0, learned: 2 });
    await r2.close();
  });

  it('a failed learn fails the lookup (SERVFAIL) rather than hand out an address the container cannot reach', async () => {
    const relay = await relayFor(base + 13, 'allowed-only', (_s, _a, _t, done) => done('nft: no such set'));
    expect(await ask(base + 13, 'allowed.test')).toMatchObject({ rcode: Rcode.SERVFAIL, addresses: [] });
    expect(relay.stateOf('c-allowed-only')).toMatchObject({ learnFailed: 1 });
    await relay.close();
  });

  it('dnsRebindProtection false passes a private answer; a deny rule before allow@public refuses its name', async () => {
    const r1 = await relayFor(base + 14, 'names-no-rebind', (_s, _a, _t, done) => done());
    expect(await ask(base + 14, 'rebind.allowed.test')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['10.203.113.9'] });
    await r1.close();
    const r2 = await relayFor(base + 15, 'deny-one');
    expect(await ask(base + 15, 'denied.test')).toMatchObject({ rcode: Rcode.NXDOMAIN });
    expect(await ask(base + 15, 'allowed.test')).toMatchObject({ rcode: Rcode.NOERROR, addresses: ['203.0.113.10'] });
    await r2.close();
  });

  it('tells onDenied of each refused lookup: the container, the name, the type and why (msbctl egress log)', async () => {
    const told: DeniedLookup[] = [];
    const relay = await relayFor(base + 17, 'deny-one', undefined, { onDenied: (e) => told.push(e) });
    await ask(base + 17, 'denied.test', 28);
    await ask(base + 17, 'rebind.test');
    await ask(base + 17, 'allowed.test');
    await relay.close();
    const r2 = await relayFor(base + 18, 'airgapped', undefined, { onDenied: (e) => told.push(e) });
    await ask(base + 18, 'secret-data.exfil.example.');
    await ask(base + 18, 'peer');
    await r2.close();
    expect(told.map(({ time: _t, ...e }) => e)).toEqual([
      { id: 'c-deny-one', name: 'denied.test', type: 'AAAA', reason: 'denied', rule: 'deny@denied.test' },
      { id: 'c-deny-one', name: 'rebind.test', type: 'A', reason: 'rebind', address: '10.203.113.9' },
      { id: 'c-airgapped', name: 'secret-data.exfil.example', type: 'A', reason: 'not-a-peer' },
    ]);
    expect(told.every((e) => !Number.isNaN(Date.parse(e.time)))).toBe(true);
  });

  const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
  const root = process.getuid?.() === 0;
  if (!nft || !root) console.warn(`SKIP relay learn with real nft: ${!nft ? 'nft not installed (apt-get install nftables)' : 'needs root'}`);
  it.skipIf(!nft || !root)("with real nft: the address is in the kernel's set when the answer arrives, 20 of 20 times", async () => {
    const run = (args: string[]): string => spawnSync(nft as string, args, { encoding: 'utf8' }).stdout;
    const set = `n_${KEY}_0`;
    spawnSync(nft as string, ['add table inet msb ; add set inet msb', set, '{ type ipv4_addr ; flags timeout ; }']);
    const real = nftLearn(nft as string);
    let inSetAtAnswer = 0;
    const relay = await relayFor(base + 16, 'allowed-only', (s, a, t, done) => {
      spawnSync(nft as string, ['flush set inet msb', set]); // each lookup must add it again
      real(s, a, t, done);
    });
    try {
      for (let i = 0; i < 20; i++) {
        const r = await ask(base + 16, 'allowed.test');
        if (r?.addresses[0] === '203.0.113.10' && run(['list', 'set', 'inet', 'msb', set]).includes('203.0.113.10')) inSetAtAnswer++;
      }
      expect(inSetAtAnswer).toBe(20);
      expect(run(['list', 'set', 'inet', 'msb', set])).toMatch(/203\.0\.113\.10 timeout 10s/);
    } finally {
      await relay.close();
      spawnSync(nft as string, ['delete set inet msb', set]);
    }
  });
});
