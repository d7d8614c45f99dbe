// The DNS relay's life with real Docker: with no relay running, concurrent `docker run`s start
// exactly one; it serves all of them; `msbctl dns status` shows them per network; a relay whose
// supervisor loop dies is replaced; a restarted relay rebuilds its state from the records.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayStatus } from '../../src/dns/relay-client.js';
import { installAlias, uninstallAlias } from '../support/dns-alias.js';
import { containerIp, networkGateway, nslookupAddresses } from '../support/dns-docker.js';
import { docker, dockerAsync, dockerOk, dockerSkipReason, freshNetwork, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const ALIAS = 'msb-dns-life';
const NET = 'msb-dns-life-net';
const NAMES = ['msb-dns-life-1', 'msb-dns-life-2', 'msb-dns-life-3'];
const dir = mkdtempSync(join(tmpdir(), 'msb-dns-life-'));
const policy = join(dir, 'policy.json');
const skipReason = dockerSkipReason('runc');
if (skipReason) console.warn(`SKIP dns relay lifecycle suite: ${skipReason}`);

/** relayProcesses lists the relay's processes on this host: its sh loop, flock and the relay itself. */
function relayProcesses(): { pid: number; role: 'relay' | 'supervisor' }[] {
  const found: { pid: number; role: 'relay' | 'supervisor' }[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes('/run/msb-dns') && cmd.includes('--state-dir')) continue; // another relay (the benchmark's)
      const main = cmd.findIndex((a) => a.endsWith('relay-main.js'));
      if (cmd.includes('msb-dns-supervisor')) found.push({ pid: Number(p), role: 'supervisor' });
      else if (main >= 0 && cmd[main + 1] === 'serve') found.push({ pid: Number(p), role: 'relay' });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function stopRelay(): void {
  // Freeze the relay so it cannot replace its supervisor, kill the supervisor loop, then the relay.
  const relays = relayProcesses().filter((x) => x.role === 'relay');
  for (const p of relays) process.kill(p.pid, 'SIGSTOP');
  for (const p of relayProcesses().filter((x) => x.role === 'supervisor')) process.kill(p.pid, 'SIGKILL');
  for (const p of relays) process.kill(p.pid, 'SIGKILL');
}

beforeAll(async () => {
  if (skipReason) return;
  for (const n of NAMES) docker(['rm', '-f', n]);
  freshNetwork(NET);
  writeFileSync(policy, JSON.stringify({ dns: { upstreams: [networkGateway(NET)] } })); // nothing external is asked here
  await installAlias(ALIAS, policy);
}, 120_000);

afterAll(() => {
  if (skipReason) return;
  for (const n of NAMES) docker(['rm', '-f', n]);
  docker(['network', 'rm', NET]);
  uninstallAlias(ALIAS);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skipReason !== undefined)('DNS relay lifecycle under msb (gVisor)', () => {
  it('concurrent creates with no relay running start exactly one, which serves them all', async () => {
    stopRelay();
    expect(await waitUntil(() => relayProcesses().length === 0, 10_000)).toBe(true);
    const runs = await Promise.all(
      NAMES.map((n) => dockerAsync(['run', '-d', '--runtime', ALIAS, '--name', n, '--network', NET, 'local/busybox', 'sleep', '600'])),
    );
    for (const r of runs) expect(r.stderr).toBe('');
    expect(await waitUntil(() => relayProcesses().filter((p) => p.role === 'relay').length === 1, 10_000)).toBe(true);
    expect(relayProcesses().filter((p) => p.role === 'relay')).toHaveLength(1);
    const status = await relayStatus();
    if (!status.running) throw new Error(status.reason);
    const ids = NAMES.map((n) => dockerOk(['inspect', '-f', '{{.Id}}', n]).trim());
    const served = (status.status.containers as { id: string }[]).map((c) => c.id);
    for (const id of ids) expect(served).toContain(id);
    for (const from of NAMES) for (const to of NAMES.filter((n) => n !== from)) expect(await nslookupAddresses(from, to)).toEqual([containerIp(to, NET)]);
  });

  it('msbctl dns status lists the network and its containers', () => {
    const r = spawnSync(join(repoRoot, 'shim/msbctl'), ['dns', 'status'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^DNS relay: running, pid \d+/);
    expect(r.stdout).toContain(`network gateway ${networkGateway(NET)}:53`);
    for (const n of NAMES) expect(r.stdout).toContain(`  ${dockerOk(['inspect', '-f', '{{.Id}}', n]).trim().slice(0, 12)}  ${containerIp(n, NET)}`);
  });

  it('a relay whose supervisor dies is replaced, and rebuilds its state from the records', async () => {
    const before = await relayStatus();
    if (!before.running) throw new Error(before.reason);
    for (const p of relayProcesses().filter((x) => x.role === 'supervisor')) process.kill(p.pid, 'SIGKILL');
    expect(
      await waitUntil(() => {
        const r = spawnSync(join(repoRoot, 'shim/msbctl'), ['dns', 'status', '--json'], { encoding: 'utf8' });
        const s = r.status === 0 ? (JSON.parse(r.stdout) as { status?: { pid?: number; containers?: unknown[] } }) : {};
        return (
          s.status?.pid !== undefined && s.status.pid !== before.status.pid && s.status.containers?.length === (before.status.containers as unknown[]).length
        );
      }, 10_000),
    ).toBe(true);
    expect(relayProcesses().filter((p) => p.role === 'supervisor').length).toBeGreaterThan(0);
    expect(await nslookupAddresses(NAMES[0] as string, NAMES[1] as string)).toEqual([containerIp(NAMES[1] as string, NET)]);
  });
});
