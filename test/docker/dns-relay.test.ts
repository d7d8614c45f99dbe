// msb's DNS relay against Docker's own embedded DNS, with real Docker and runsc: the same
// queries from a runc container (asking 127.0.0.11) and an msb container (asking the relay)
// get the same answers; external names go to the container's --dns (a server of the test's
// own); TCP and truncation; silence for unregistered sources and malformed packets; and a
// killed relay comes back by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../src/dns/dns-message.js';
import { relayStatus } from '../../src/dns/relay-client.js';
import { installAlias, uninstallAlias } from '../support/dns-alias.js';
import { ask, containerIp, networkGateway, ptrName, type Reply } from '../support/dns-docker.js';
import { BIG_TXT_COUNT, startUpstream, UPSTREAM_A, type UpstreamServer } from '../support/dns-upstream.js';
import { buildDnsq } from '../support/dnsq.js';
import { docker, dockerAsync, dockerOk, dockerSkipReason, freshNetwork } from '../support/docker.js';

const ALIAS = 'msb-dns-relay';
const NET = 'msb-dns-relay-net';
const UPSTREAM_NET = 'msb-dns-relay-upstream';
const C = {
  target: 'msb-dns-relay-target',
  runc: 'msb-dns-relay-runc',
  msb: 'msb-dns-relay-msb',
  other: 'msb-dns-relay-other',
  limited: 'msb-dns-relay-limited',
};
const LIMITED_ALIAS = 'msb-dns-relay-limited';
const dir = mkdtempSync(join(tmpdir(), 'msb-dns-relay-'));
const policy = join(dir, 'policy.json');
const limitedPolicy = join(dir, 'limited.json');
const dnsq = buildDnsq(dir);
const skipReason = dockerSkipReason('runc') ?? ('skip' in dnsq ? dnsq.skip : undefined);
if (skipReason) console.warn(`SKIP dns relay suite: ${skipReason}`);

let upstream: UpstreamServer | undefined;
let gateway = '';

function run(name: string, extra: string[], network = NET): void {
  const mount = 'path' in dnsq ? ['-v', `${dnsq.path}:/dnsq:ro`] : [];
  dockerOk(['run', '-d', '--name', name, '--network', network, ...mount, ...extra, 'local/busybox', 'sleep', '600']);
}

beforeAll(async () => {
  if (skipReason) return;
  for (const c of Object.values(C)) docker(['rm', '-f', c]);
  for (const n of [NET, UPSTREAM_NET]) {
    freshNetwork(n);
  }
  gateway = networkGateway(NET);
  upstream = await startUpstream(networkGateway(UPSTREAM_NET));
  writeFileSync(policy, JSON.stringify({}));
  writeFileSync(limitedPolicy, JSON.stringify({ dns: { rateLimit: 1 } }));
  await installAlias(ALIAS, policy);
  await installAlias(LIMITED_ALIAS, limitedPolicy);
  run(C.target, ['--network-alias', 'shared-alias', '--network-alias', 'target-alias']);
  run(C.other, [], UPSTREAM_NET); // on another network: neither container may see it
  const link = ['--link', `${C.target}:linked-target`];
  run(C.runc, ['--dns', upstream.address, '--network-alias', 'shared-alias', ...link]);
  run(C.msb, ['--runtime', ALIAS, '--dns', upstream.address, '--network-alias', 'msb-alias', ...link]);
  run(C.limited, ['--runtime', LIMITED_ALIAS, '--dns', upstream.address]);
}, 120_000);

afterAll(async () => {
  if (skipReason) return;
  for (const c of Object.values(C)) docker(['rm', '-f', c]);
  for (const n of [NET, UPSTREAM_NET]) docker(['network', 'rm', n]);
  await upstream?.close();
  uninstallAlias(ALIAS);
  uninstallAlias(LIMITED_ALIAS);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skipReason !== undefined)("DNS relay under msb (gVisor) against Docker's embedded DNS", () => {
  it('the msb container asks the relay on its network gateway; the runc container asks 127.0.0.11', () => {
    expect(dockerOk(['exec', C.msb, 'cat', '/etc/resolv.conf'])).toMatch(new RegExp(`^nameserver ${gateway.replaceAll('.', '\\.')}$`, 'm'));
    expect(dockerOk(['exec', C.runc, 'cat', '/etc/resolv.conf'])).toMatch(/^nameserver 127\.0\.0\.11$/m);
  });

  it('a container whose command is the lookup resolves a peer by name at its first instruction (Docker 28 sets the network up after create)', () => {
    const out = dockerOk(['run', '--rm', '--runtime', ALIAS, '--network', NET, 'local/busybox', 'nslookup', C.target]);
    expect(out).toContain(containerIp(C.target, NET));
  });

  it("gives the same answers as Docker's embedded DNS gives a runc container", async () => {
    const queries: [string, number][] = [
      [C.target, 1],
      [C.runc, 1],
      [C.msb, 1],
      ['target-alias', 1],
      ['shared-alias', 1], // two containers behind one alias
      ['msb-alias', 1],
      ['linked-target', 1], // a --link alias
      [C.other, 1], // a container on another network: not visible here
      [`${C.target}.${NET}`, 1],
      [dockerOk(['inspect', '-f', '{{.Id}}', C.target]).trim().slice(0, 12), 1], // short container id
      [C.target, 28], // AAAA on an IPv4 network
      [ptrName(containerIp(C.target, NET)), 12],
      [ptrName(containerIp(C.msb, NET)), 12],
      ['no-such-container', 1],
      ['www.ext.test', 1],
      ['missing.ext.test', 1],
    ];
    for (const [name, type] of queries) {
      const direct = await ask(C.runc, '127.0.0.11', name, type);
      const relayed = await ask(C.msb, gateway, name, type);
      expect(direct, `runc: ${name} type ${type}`).toBeDefined();
      expect(relayed, `msb: ${name} type ${type}`).toEqual(direct);
    }
    const shared = (await ask(C.msb, gateway, 'shared-alias')) as Reply;
    expect(shared.answers).toHaveLength(2);
    expect((await ask(C.msb, gateway, 'no-such-container'))?.rcode).toBe(3);
  });

  it("external names go to the container's --dns server, which the test runs", async () => {
    const before = upstream?.asked.length ?? 0;
    // Spelled differently from the differential test's query: the relay's answer cache keys on the query bytes.
    const r = await ask(C.msb, gateway, 'WWW.ext.test');
    expect(r?.answers).toEqual([`www.ext.test 1 300 ${UPSTREAM_A}`]);
    expect(upstream?.asked.slice(before)).toContain('www.ext.test 1 udp');
  });

  it('answers over TCP, and a truncated answer is complete over TCP', async () => {
    expect(await ask(C.msb, gateway, C.target, 1, { tcp: true })).toEqual(await ask(C.runc, '127.0.0.11', C.target, 1, { tcp: true }));
    const udp = await ask(C.msb, gateway, 'big.ext.test', 16);
    expect(udp?.truncated).toBe(true);
    const tcp = await ask(C.msb, gateway, 'big.ext.test', 16, { tcp: true });
    expect(tcp?.truncated).toBe(false);
    expect(tcp?.answers).toHaveLength(BIG_TXT_COUNT);
    expect(tcp).toEqual(await ask(C.runc, '127.0.0.11', 'big.ext.test', 16, { tcp: true }));
  });

  it('does not answer an address msb did not register (the runc container asking the relay)', async () => {
    expect(await ask(C.runc, gateway, C.target)).toBeUndefined();
    expect(await ask(C.runc, gateway, C.target, 1, { tcp: true })).toBeUndefined();
  });

  it("limits each container's query rate (policy dns.rateLimit: 1 a second, bursts of 2)", async () => {
    const hex = buildQuery(9, C.target).toString('hex');
    const r = await dockerAsync(
      ['exec', C.limited, 'sh', '-c', `for i in 1 2 3 4; do /dnsq ${gateway} ${hex} >/dev/null 2>&1 && echo ok || echo dropped; done`],
      { timeout: 60_000 },
    );
    const outcomes = r.stdout.trim().split('\n');
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(outcomes).toContain('dropped');
    const s = await relayStatus();
    const id = dockerOk(['inspect', '-f', '{{.Id}}', C.limited]).trim();
    expect(s.running && (s.status.containers as { id: string; dropsRate: number }[]).find((c) => c.id === id)?.dropsRate).toBeGreaterThan(0);
  });

  it('drops malformed packets without answering and keeps serving', async () => {
    const good = buildQuery(7, C.target);
    const malformed = [
      'deadbeef', // shorter than a header
      Buffer.concat([good.subarray(0, 12), Buffer.from([0x3f, 0x61])]).toString('hex'), // label past the end
      (() => {
        const b = Buffer.from(good);
        b[2] = 0x80;
        return b.toString('hex');
      })(), // a response, not a query
      (() => {
        const b = Buffer.from(good);
        b.writeUInt16BE(0, 4);
        return b.toString('hex');
      })(), // no question
    ];
    for (const hex of malformed) expect(await ask(C.msb, gateway, '', 1, { hex }), hex).toBeUndefined();
    expect((await ask(C.msb, gateway, C.target))?.answers).toHaveLength(1);
  });

  it('reports the container in its status, and comes back within 2 s after being killed', async () => {
    const status = await relayStatus();
    if (!status.running) throw new Error(status.reason);
    const id = dockerOk(['inspect', '-f', '{{.Id}}', C.msb]).trim();
    const containers = status.status.containers as { id: string; addresses: string[] }[];
    expect(containers.find((c) => c.id === id)?.addresses).toEqual([containerIp(C.msb, NET)]);
    const pid = status.status.pid as number;
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    let recovered: Reply | undefined;
    while (!recovered && Date.now() - killedAt < 2000) recovered = await ask(C.msb, gateway, C.target);
    expect(recovered?.answers, 'resolution within 2 s of the kill').toHaveLength(1);
    const after = await relayStatus();
    expect(after.running && after.status.pid).not.toBe(pid);
  });

  it('forgets a container when it is deleted', async () => {
    const id = dockerOk(['inspect', '-f', '{{.Id}}', C.msb]).trim();
    await dockerAsync(['rm', '-f', C.msb]);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      const s = await relayStatus();
      gone = s.running && !(s.status.containers as { id: string }[]).some((c) => c.id === id);
      if (!gone) await new Promise((r) => setTimeout(r, 200));
    }
    expect(gone).toBe(true);
  });
});
