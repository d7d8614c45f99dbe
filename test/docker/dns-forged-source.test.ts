// Issue 15 item 2: the DNS relay trusts a query's source address. With source filtering off
// (rp_filter=0, as on this host) a runc container on another network can send queries that
// carry a sandboxed container's address: they must get nothing and cost the victim nothing (no
// query counted, no rate-limit token spent). The attacker here is a real runc container on its
// own network that gives itself the victim's address and routes the relay's gateway through its
// own gateway with that source; the forged packets reach the host on the attacker's bridge.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../src/dns/dns-message.js';
import { relayStatus } from '../../src/dns/relay-client.js';
import { ask, containerIp, networkGateway } from '../support/dns-docker.js';
import { buildDnsq } from '../support/dnsq.js';
import { docker, dockerAsync, dockerOk, dockerSkipReason, freshNetwork } from '../support/docker.js';
import { tempDir } from '../support/runtime.js';

const NET = { victim: 'msb-forge-victim-net', attacker: 'msb-forge-attacker-net' };
const C = { victim: 'msb-forge-victim', attacker: 'msb-forge-attacker' };
const FORGED = 20;
const dir = tempDir('msb-forge-');
const dnsq = buildDnsq(dir);
const skipReason =
  dockerSkipReason() ??
  ('skip' in dnsq ? dnsq.skip : undefined) ??
  (process.getuid?.() !== 0 ? "needs root (the relay's control socket, iptables)" : undefined);
if (skipReason) console.warn(`SKIP dns forged-source suite: ${skipReason}`);

let victimId = '';
let victimIp = '';
let gateway = '';

interface StatusContainer {
  id: string;
  queries: number;
  dropsRate?: number;
}
async function victimCounters(): Promise<StatusContainer | undefined> {
  const s = await relayStatus();
  if (!s.running) return undefined;
  return ((s.status.containers ?? []) as StatusContainer[]).find((c) => c.id === victimId);
}

beforeAll(async () => {
  if (skipReason) return;
  for (const c of Object.values(C)) docker(['rm', '-f', c]);
  for (const n of Object.values(NET)) freshNetwork(n);
  const mount = 'path' in dnsq ? ['-v', `${dnsq.path}:/dnsq:ro`] : [];
  victimId = dockerOk(['run', '-d', '--runtime=msb', '--name', C.victim, '--network', NET.victim, ...mount, 'local/busybox', 'sleep', '600']).trim();
  dockerOk(['run', '-d', '--name', C.attacker, '--network', NET.attacker, '--cap-add', 'NET_ADMIN', ...mount, 'local/busybox', 'sleep', '600']);
  victimIp = containerIp(C.victim, NET.victim);
  gateway = networkGateway(NET.victim);
  // The attacker takes the victim's address and sends to the victim's gateway from it.
  dockerOk(['exec', C.attacker, 'ip', 'addr', 'add', `${victimIp}/32`, 'dev', 'eth0']);
  dockerOk(['exec', C.attacker, 'ip', 'route', 'add', `${gateway}/32`, 'via', networkGateway(NET.attacker), 'src', victimIp]);
}, 120_000);

afterAll(() => {
  if (!skipReason) {
    for (const c of Object.values(C)) docker(['rm', '-f', c]);
    for (const n of Object.values(NET)) docker(['network', 'rm', n]);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('queries with a forged source from another network', () => {
  it("the attacker really sends from the victim's address (else this suite proves nothing)", () => {
    expect(dockerOk(['exec', C.attacker, 'ip', 'route', 'get', gateway])).toContain(`src ${victimIp}`);
  });

  it("are dropped before the relay: the victim's counters do not move, and its own lookups work", async () => {
    // The victim asks once: registered, answered, counted.
    expect(await ask(C.victim, gateway, 'msb-forge-attacker')).toBeDefined();
    const before = await victimCounters();
    expect(before?.queries).toBeGreaterThan(0);
    const hex = buildQuery(0x5151, C.victim, 1).toString('hex');
    const forged = await dockerAsync(['exec', C.attacker, 'sh', '-c', `for i in $(seq ${FORGED}); do /dnsq ${gateway} ${hex} & done; wait`], {
      timeout: 60_000,
    });
    expect(forged.stdout).toBe(''); // no answer ever reaches the attacker (its source is not its own)
    const after = await victimCounters();
    expect(after?.queries).toBe(before?.queries);
    expect(after?.dropsRate ?? 0).toBe(before?.dropsRate ?? 0);
    expect(await ask(C.victim, gateway, 'msb-forge-attacker')).toBeDefined();
    // The kernel saw them: the relay's raw-table rule for this gateway dropped them.
    const rules = spawnSync('iptables', ['-w', '-t', 'raw', '-L', 'MSB-DNS-INGRESS', '-v', '-x', '-n'], { encoding: 'utf8' }).stdout;
    const udp = rules.split('\n').find((l) => l.includes(gateway) && l.includes('udp'));
    expect(udp).toBeDefined();
    expect(Number(udp?.trim().split(/\s+/)[0])).toBeGreaterThanOrEqual(FORGED);
  }, 120_000);
});
