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
import { allProfiles } from './profiles.js';

const profiles = allProfiles({ 'allowed-only': { rules: ['allow@allowed.test:tcp:80,allow@*.allowed.test'] } }, 'test');
const NETS = [{ veth: 'vethA', address: '172.29.14.2', prefix: 24, gateway: '172.29.14.1' }];
const dirs: string[] = [];
function recordDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'msb-egress-rec-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeHost(over: Partial<EgressHost> = {}): EgressHost & { batches: object[][] } {
  const batches: object[][] = [];
  return { batches, nft: (c) => (batches.push([...c]), { ok: true }), list: () => [], networks: () => NETS, exists: () => true, ...over };
}

describe('enforceEgress (recording nft)', () => {
  it('writes egress.json before installing, with the names the relay applies, and installs in one batch', () => {
    const dir = recordDir();
    let fileAtInstall = '';
    const host = fakeHost({ nft: (c) => ((fileAtInstall = readFileSync(join(dir, EGRESS_FILE), 'utf8')), c.length > 0 ? { ok: true } : { ok: false, error: 'empty' }) });
    const e = enforceEgress(dir, profiles['allowed-only'] as never, 42, () => undefined, host);
    expect(JSON.parse(fileAtInstall)).toEqual(e);
    expect(e).toMatchObject({ profile: 'allowed-only', key: egressKey(dir), otherNames: 'peers-only', peers: true, dnsRebindProtection: true, names: [{ kind: 'domain', name: 'allowed.test', action: 'allow', set: objectNames(egressKey(dir)).nameSet(0) }, { kind: 'suffix', name: 'allowed.test', action: 'allow' }] });
    expect(e.mark).toBeGreaterThan(MARK_BASE);
  });

  it('public-only answers other names (packets decide); a container with no interface gets nothing installed', () => {
    const host = fakeHost({ networks: () => [] });
    const e = enforceEgress(recordDir(), profiles['public-only'] as never, 42, () => undefined, host);
    expect(e.otherNames).toBe('answer');
    expect(host.batches).toEqual([]);
  });

  it('fails create with nft\'s reason, retrying only a mark taken meanwhile', () => {
    let calls = 0;
    const busy = fakeHost({ nft: () => (calls++ < 2 ? { ok: false, error: 'Error: Could not process rule: File exists' } : { ok: true }) });
    expect(enforceEgress(recordDir(), profiles['public-only'] as never, 1, () => undefined, busy).mark).toBeDefined();
    expect(calls).toBe(3);
    const broken = fakeHost({ nft: () => ({ ok: false, error: 'Error: Could not process rule: No such file or directory' }) });
    expect(() => enforceEgress(recordDir(), profiles['public-only'] as never, 1, () => undefined, broken)).toThrow(/msb|egress: cannot install the nftables rules of profile "public-only": Error: Could not process rule: No such file or directory/);
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
