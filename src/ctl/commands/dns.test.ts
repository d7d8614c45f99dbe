import { describe, expect, it } from 'vitest';
import type { RelayStatus } from '../../dns/relay-client.js';
import { dnsStatus, formatDnsStatus } from './dns.js';

const running: RelayStatus = {
  running: true,
  status: {
    pid: 42,
    started: '2026-12-01T20:00:00.000Z',
    rssBytes: 50 * 1048576,
    counters: { unregistered: 3, malformed: 1, rateLimited: 0, unanswered: 0 },
    networks: [
      { address: '172.20.0.1', containers: ['a'.repeat(64)] },
      { address: '172.21.0.1', error: 'EADDRINUSE', containers: [] },
    ],
    containers: [
      {
        id: 'a'.repeat(64),
        addresses: ['172.20.0.3'],
        gateways: ['172.20.0.1'],
        upstreams: ['192.0.2.53'],
        queries: 9,
        answeredDocker: 7,
        answeredUpstream: 1,
        answeredCache: 1,
        dropsRate: 0,
        dropsMalformed: 1,
      },
    ],
  },
};

describe('formatDnsStatus', () => {
  it('lists networks with their containers, and gateways it cannot listen on', () => {
    expect(formatDnsStatus(running)).toBe(
      [
        'DNS relay: running, pid 42, since 2026-12-01T20:00:00.000Z, 50 MB RSS',
        'dropped: 3 from unregistered addresses, 1 malformed, 0 over the rate limit; 0 unanswered',
        'network gateway 172.20.0.1:53',
        '  aaaaaaaaaaaa  172.20.0.3  queries 9 (docker 7, upstream 1, cache 1, dropped 1)  upstreams 192.0.2.53',
        'network gateway 172.21.0.1:53 (NOT LISTENING: EADDRINUSE)',
        '',
      ].join('\n'),
    );
  });

  it('says when the relay is not running', () => {
    expect(formatDnsStatus({ running: false, reason: 'no socket' })).toBe('DNS relay: not running (no socket)\n');
  });
});

describe('msbctl dns', () => {
  it('status prints and succeeds while the relay runs, and fails (exit 1) when it does not', async () => {
    let out = '';
    await dnsStatus(
      { json: true },
      (t) => void (out += t),
      async () => running,
      () => [],
    );
    expect(JSON.parse(out)).toEqual({ ...running, problems: { failures: [], warnings: [] }, lateNetworks: [] });
    await expect(
      dnsStatus(
        { json: false },
        () => undefined,
        async () => ({ running: false, reason: 'gone' }),
        () => [],
      ),
    ).rejects.toThrow('the DNS relay is not running: gone');
  });

  it('status names gVisor containers connected to a network after start, with the fix', async () => {
    let out = '';
    await dnsStatus(
      { json: false },
      (t) => void (out += t),
      async () => running,
      () => [{ id: 'a'.repeat(64), interfaces: ['eth1 192.168.224.2/20'] }],
    );
    expect(out).toContain(
      'container aaaaaaaaaaaa: connected to a network after start (eth1 192.168.224.2/20); the gVisor sandbox does not see it: restart the container (docker restart)',
    );
  });

  it('status of a relay that leaves queries unanswered says FAILING and fails, never "running"', async () => {
    const at = new Date().toISOString();
    const failing: RelayStatus = {
      running: true,
      status: {
        ...running.status,
        counters: { unregistered: 0, malformed: 0, rateLimited: 0, unanswered: 138 },
        health: { lastUnansweredAt: at },
        install: { entry: '/tmp/clone/dist/dns/relay-main.js', state: 'gone' },
      },
    };
    let out = '';
    await expect(
      dnsStatus(
        { json: false },
        (t) => void (out += t),
        async () => failing,
        () => [],
      ),
    ).rejects.toThrow(`the DNS relay is failing: queries left unanswered: 138 in all, the last at ${at}, none answered since`);
    expect(out.split('\n').slice(0, 3)).toEqual([
      'DNS relay: FAILING, pid 42, since 2026-12-01T20:00:00.000Z, 50 MB RSS',
      `FAIL: queries left unanswered: 138 in all, the last at ${at}, none answered since`,
      'WARN: started from /tmp/clone/dist/dns/relay-main.js, which no longer exists (it runs from memory; kill 42 to run the installed build)',
    ]);
  });
});
