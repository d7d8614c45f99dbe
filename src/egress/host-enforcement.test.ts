// Host enforcement with a recording nft (what is installed, in which order, what a failure
// leaves), then with the real nft on a veth pair the test makes: install, learn, remove, the
// sweep of a container whose record is gone, and a mark collision between two containers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EGRESS_FILE, enforceEgress, type EgressHost, realEgressHost, removeEgress, sweepOrphans } from './host-enforcement.js';
import { listTable } from './nft.js';
import { egressKey, MARK_BASE, objectNames } from './nft-ruleset.js';
import { ifbName } from './bandwidth.js';
import type { ShapingHost } from './tc.js';
import { allProfiles } from './profiles.js';

const profiles = allProfiles(
  { 'allowed-only': { rules: ['allow@allowed.test:tcp:80,allow@*.allowed.test'] }, slow: { rules: ['allow@public'], egressBandwidth: '1M/100ms' } },
  'test',
);
const NETS = [{ veth: 'vethA', ifname: 'eth0', address: '172.29.14.2', prefix: 24, gateway: '172.29.14.1' }];
const dirs: string[] = [];
function recordDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'msb-egress-rec-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fakeHost(over: Partial<EgressHost> = {}): EgressHost & { batches: object[][] } {
  const batches: object[][] = [];
  return { batches, nft: (c) => (batches.push([...c]), { ok: true }), list: () => [], networks: () => NETS, exists: () => true, ...over };
}

function recordingShaper(fail?: string): ShapingHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: (argv) => {
      calls.push(argv.join(' '));
      return fail && argv.join(' ').includes(fail) ? { ok: false, error: 'Error: boom' } : { ok: true, out: '' };
    },
    mtu: () => 1500,
  };
}

describe('enforceEgress with egressBandwidth (recording nft and tc)', () => {
  it('records the shaping in egress.json before installing, installs tc after nft, and a tc failure fails create with the record left for removal', () => {
    const dir = recordDir();
    const order: string[] = [];
    const shaping = recordingShaper();
    const host = fakeHost({ nft: () => (order.push('nft'), { ok: true }), shaping: { ...shaping, run: (a) => (order.push(a.join(' ')), shaping.run(a)) } });
    const e = enforceEgress(dir, profiles.slow as never, 1, () => undefined, host);
    expect(e.shaping).toEqual({ ifb: ifbName(e.key), interfaces: ['eth0'], bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 });
    expect(order.indexOf('nft')).toBeLessThan(order.findIndex((c) => c.includes('ip link add')));
    expect(shaping.calls).toContain('nsenter --net=/proc/1/ns/net tc qdisc add dev eth0 clsact');
    const broken = fakeHost({ shaping: recordingShaper('tbf') });
    const d2 = recordDir();
    expect(() => enforceEgress(d2, profiles.slow as never, 1, () => undefined, broken)).toThrow(
      /egress: cannot shape the container's egress \(tc qdisc add dev msbi[0-9a-f]{11} root handle 1: tbf .* in its network namespace\): Error: boom/,
    );
    expect(JSON.parse(readFileSync(join(d2, EGRESS_FILE), 'utf8')).shaping.ifb).toBe(ifbName(egressKey(d2)));
  });

  it('refuses a container whose interfaces are not known', () => {
    const host = fakeHost({ networks: () => [{ veth: 'vethA', address: '172.29.14.2', prefix: 24 }], shaping: recordingShaper() });
    expect(() => enforceEgress(recordDir(), profiles.slow as never, 1, () => undefined, host)).toThrow(/interfaces are not known/);
  });

  it("refuses a bucket smaller than a frame of the container's network before installing anything", () => {
    const host = fakeHost({ shaping: { ...recordingShaper(), mtu: () => 9000 } });
    const tiny = allProfiles({ tiny: { rules: ['allow@public'], egressBandwidth: '4K/1ms' } }, 'test').tiny;
    expect(() => enforceEgress(recordDir(), tiny as never, 1, () => undefined, host)).toThrow(/a bucket of 4096 bytes cannot pass a 9014-byte frame/);
    expect(host.batches).toEqual([]);
  });
});

describe('enforceEgress (recording nft)', () => {
  it('writes egress.json before installing, with the names the relay applies, and installs in one batch', () => {
    const dir = recordDir();
    let fileAtInstall = '';
    const host = fakeHost({
      nft: (c) => ((fileAtInstall = readFileSync(join(dir, EGRESS_FILE), 'utf8')), c.length > 0 ? { ok: true } : { ok: false, error: 'empty' }),
    });
    const e = enforceEgress(dir, profiles['allowed-only'] as never, 42, () => undefined, host);
    expect(JSON.parse(fileAtInstall)).toEqual(e);
    expect(e).toMatchObject({
      profile: 'allowed-only',
      key: egressKey(dir),
      otherNames: 'peers-only',
      peers: true,
      dnsRebindProtection: true,
      names: [
        { kind: 'domain', name: 'allowed.test', action: 'allow', set: objectNames(egressKey(dir)).nameSet(0) },
        { kind: 'suffix', name: 'allowed.test', action: 'allow' },
      ],
    });
    expect(e.mark).toBeGreaterThan(MARK_BASE);
  });

  it('public-only answers other names (packets decide); a container with no interface gets nothing installed', () => {
    const host = fakeHost({ networks: () => [] });
    const e = enforceEgress(recordDir(), profiles['public-only'] as never, 42, () => undefined, host);
    expect(e.otherNames).toBe('answer');
    expect(host.batches).toEqual([]);
  });

  it("fails create with nft's reason, retrying only a mark taken meanwhile", () => {
    let calls = 0;
    const busy = fakeHost({ nft: () => (calls++ < 2 ? { ok: false, error: 'Error: Could not process rule: File exists' } : { ok: true }) });
    expect(enforceEgress(recordDir(), profiles['public-only'] as never, 1, () => undefined, busy).mark).toBeDefined();
    expect(calls).toBe(3);
    const broken = fakeHost({ nft: () => ({ ok: false, error: 'Error: Could not process rule: No such file or directory' }) });
    expect(() => enforceEgress(recordDir(), profiles['public-only'] as never, 1, () => undefined, broken)).toThrow(
      /msb|egress: cannot install the nftables rules of profile "public-only": Error: Could not process rule: No such file or directory/,
    );
  });
});

const root = process.getuid?.() === 0;
const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
const skip = !root ? 'needs root' : !nft ? 'nft not installed (apt-get install nftables)' : undefined;
if (skip) console.warn(`SKIP host enforcement with real nft: ${skip}`);

describe.skipIf(skip !== undefined)('enforceEgress with the real nft', () => {
  const veth = `msbeg${process.pid % 10000}`;
  const ip = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  const mine = (key: string): string[] => JSON.stringify(listTable()).match(new RegExp(`[a-z]+_${key}[_0-9]*`, 'g')) ?? [];
  afterAll(() => void ip(['link', 'del', veth]));

  it('installs on a real veth and removes every object; a second removal is a no-op', () => {
    ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    const host = { ...realEgressHost(), networks: () => [{ ...NETS[0], veth } as (typeof NETS)[number]] };
    const dir = recordDir();
    const e = enforceEgress(dir, profiles['allowed-only'] as never, 1, () => undefined, host);
    expect(mine(e.key).length).toBeGreaterThanOrEqual(5); // chain, counter, ingress chain, two name sets
    const text = spawnSync(nft as string, ['list', 'table', 'inet', 'msb'], { encoding: 'utf8' }).stdout;
    expect(text).toContain(`type filter hook ingress device "${veth}"`);
    expect(text).toContain(`meta mark set 0x${(e.mark as number).toString(16)}`);
    expect(removeEgress(dir)).toBeUndefined();
    expect(mine(e.key)).toEqual([]);
    expect(removeEgress(dir)).toBeUndefined();
  });

  it('the sweep removes a container whose record directory is gone (a create killed midway, its record removed), and leaves a live one', () => {
    ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    const host = { ...realEgressHost(), networks: () => [{ ...NETS[0], veth } as (typeof NETS)[number]] };
    const gone = recordDir();
    const live = recordDir();
    const a = enforceEgress(gone, profiles['public-only'] as never, 1, () => undefined, host);
    const b = enforceEgress(live, profiles.airgapped as never, 1, () => undefined, host);
    expect(a.mark).not.toBe(b.mark);
    rmSync(gone, { recursive: true });
    const said: string[] = [];
    sweepOrphans(realEgressHost(), (m) => said.push(m));
    expect(mine(a.key)).toEqual([]);
    expect(mine(b.key).length).toBeGreaterThan(0);
    expect(said.join('\n')).toContain(`removed the nftables objects of ${gone}`);
    removeEgress(live);
    expect(mine(b.key)).toEqual([]);
  });
});

describe.skipIf(skip !== undefined)('delete --force of a create killed midway (shim/msb-runtime, real nft)', () => {
  const veth = `msbek${process.pid % 10000}`;
  afterAll(() => void spawnSync('ip', ['link', 'del', veth]));

  it('removes the rules of a record that has egress.json but no launcher yet, and then the record', () => {
    spawnSync('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    const root = recordDir();
    const id = 'killed-midway';
    const dir = join(root, 'msb', 'containers', id);
    spawnSync('mkdir', ['-p', dir]);
    const host = { ...realEgressHost(), networks: () => [{ ...NETS[0], veth } as (typeof NETS)[number]] };
    // What a create killed right after installing leaves: the record directory with egress.json, no launcher.sh.
    const e = enforceEgress(dir, profiles['public-only'] as never, 1, () => undefined, host);
    expect(JSON.stringify(listTable())).toContain(`c_${e.key}`);
    const shim = join(__dirname, '../../shim/msb-runtime');
    const r = spawnSync(shim, ['--root', root, 'delete', '--force', id], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.stringify(listTable())).not.toContain(e.key);
    expect(existsSync(dir)).toBe(false);
  });
});
