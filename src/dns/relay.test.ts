// The relay's decisions over real loopback sockets: a fake "Docker embedded DNS" and a fake
// upstream stand in for the container's netns and the --dns server (the Docker tests in
// test/docker/dns-*.test.ts run the real thing).
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, buildResponse, readAnswers } from './dns-message.js';
import { readHeader, readQuestion, Rcode } from './dns-wire.js';
import { DnsRelay } from './relay.js';
import type { Registration } from './registration.js';
import { tcpExchange, TcpFramer } from './tcp-framing.js';

const base = 20000 + Math.floor(Math.random() * 20000);
const RELAY_PORT = base;
const DOCKER_PORT = base + 1;
const UPSTREAM_PORT = base + 2;
const A = (ip: string) => ({ type: 1, ttl: 60, data: Buffer.from(ip.split('.').map(Number)) });

function dockerAnswer(q: Buffer, overTcp: boolean): Buffer | undefined {
  const name = readQuestion(q)?.name;
  if (name === 'known') return buildResponse(q, [A('10.1.2.3')]);
  if (name === 'broken') return buildResponse(q, [], { rcode: Rcode.SERVFAIL });
  if (name === 'big')
    return overTcp
      ? buildResponse(
          q,
          Array.from({ length: 40 }, (_, i) => A(`10.0.0.${i}`)),
        )
      : buildResponse(q, [], { truncated: true });
  return undefined; // Docker's resolver stays silent for names it cannot forward (docs/dns.md)
}

let docker: Socket;
let dockerTcp: Server;
let upstream: Socket;
const upstreamAsked: string[] = [];
let relay: DnsRelay;
const reg = (over: Partial<Registration> = {}): Registration => ({
  id: 'c1',
  pid: 1,
  netns: '/proc/1/ns/net',
  addresses: ['127.0.0.1'],
  gateways: ['127.0.0.1'],
  upstreams: ['127.0.0.1'],
  rateLimit: 1000,
  ...over,
});

function bound(port: number, onMessage: (s: Socket, m: Buffer, port: number, address: string) => void): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => onMessage(s, m, r.port, r.address));
  return new Promise((resolve) => s.bind(port, '127.0.0.1', () => resolve(s)));
}

/** query sends one datagram to the relay from `source` and waits briefly for a reply. */
function query(msg: Buffer, source = '127.0.0.1', waitMs = 400): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, waitMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.bind(0, source, () => s.send(msg, RELAY_PORT, '127.0.0.1'));
  });
}

beforeAll(async () => {
  docker = await bound(DOCKER_PORT, (s, m, port, address) => {
    const reply = dockerAnswer(m, false);
    if (reply) s.send(reply, port, address);
  });
  upstream = await bound(UPSTREAM_PORT, (s, m, port, address) => {
    upstreamAsked.push(readQuestion(m)?.name ?? '?');
    s.send(buildResponse(m, [A('10.9.9.9')]), port, address);
  });
  dockerTcp = createServer((c) => {
    const f = new TcpFramer(
      (m) => c.write(TcpFramer.frame(dockerAnswer(m, true) ?? Buffer.alloc(0))),
      () => c.destroy(),
    );
    c.on('data', (d: Buffer) => f.push(d));
  });
  await new Promise<void>((resolve) => dockerTcp.listen(DOCKER_PORT, '127.0.0.1', resolve));
  relay = new DnsRelay({
    nsenter: '/nonexistent',
    port: RELAY_PORT,
    upstreamPort: UPSTREAM_PORT,
    embeddedDns: { address: '127.0.0.1', port: DOCKER_PORT },
    upstreamTimeoutMs: 500,
    // The stand-in for Docker answers at once; on a loaded CI machine 25 ms can pass before its
    // reply is read, and the upstream would be asked too. 'Docker stays silent' stays exact.
    embeddedSlowMs: 100,
    openDockerSocket: () =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      }),
    connectDockerTcp: async () => connect(DOCKER_PORT, '127.0.0.1'),
  });
  await relay.register(reg());
});

afterAll(async () => {
  await relay.close();
  docker.close();
  upstream.close();
  dockerTcp.close();
});

describe('DnsRelay', () => {
  it("answers names Docker knows from Docker, under the client's own message id", async () => {
    const r = await query(buildQuery(0x0abc, 'known'));
    expect(r && readHeader(r)?.id).toBe(0x0abc);
    expect(r && readAnswers(r)).toEqual([{ name: 'known', type: 1, ttl: 60, data: '10.1.2.3' }]);
    expect(upstreamAsked).not.toContain('known');
  });

  it('asks the upstream when Docker stays silent or fails', async () => {
    for (const name of ['external.example', 'broken']) {
      const r = await query(buildQuery(7, name));
      expect(r && readAnswers(r), name).toEqual([{ name, type: 1, ttl: 60, data: '10.9.9.9' }]);
      expect(upstreamAsked).toContain(name);
    }
    expect(relay.stateOf('c1')).toMatchObject({ answeredUpstream: 2 });
  });

  it('says nothing to an address nobody registered', async () => {
    const before = relay.counters.unregistered;
    expect(await query(buildQuery(1, 'known'), '127.0.0.2')).toBeUndefined();
    expect(relay.counters.unregistered).toBe(before + 1);
  });

  it('drops malformed packets and keeps serving', async () => {
    const before = relay.counters.malformed;
    for (const bad of [Buffer.from('deadbeef', 'hex'), buildResponse(buildQuery(1, 'x'), []), Buffer.alloc(12)])
      expect(await query(bad, '127.0.0.1', 150)).toBeUndefined();
    expect(relay.counters.malformed).toBe(before + 3);
    expect(await query(buildQuery(2, 'known'))).toBeDefined();
  });

  it('serves TCP, and completes a truncated answer over TCP', async () => {
    const small = await tcpExchange(connect(RELAY_PORT, '127.0.0.1'), buildQuery(3, 'known'), 1000);
    expect(small && readAnswers(small)).toHaveLength(1);
    const udp = await query(buildQuery(4, 'big'));
    expect(udp && readHeader(udp)?.truncated).toBe(true);
    const full = await tcpExchange(connect(RELAY_PORT, '127.0.0.1'), buildQuery(4, 'big'), 1000);
    expect(full && readHeader(full)).toMatchObject({ truncated: false, ancount: 40, id: 4 });
  });

  it("limits each container's query rate", async () => {
    await relay.register(reg({ rateLimit: 1 })); // a burst of 2, then one a second
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await query(buildQuery(10 + i, 'known'), '127.0.0.1', 150));
    expect(replies.filter(Boolean)).toHaveLength(2);
    expect(relay.stateOf('c1')?.dropsRate).toBe(2);
    await relay.register(reg());
  });

  it('stops listening on a gateway once its last container is gone', async () => {
    await relay.unregister('c1');
    expect(relay.listening()).toEqual([]);
    expect(await query(buildQuery(5, 'known'), '127.0.0.1', 150)).toBeUndefined();
  });
});
