// Shaping with a recording runner (failures), then with the real nsenter, ip and tc in a network
// namespace the test makes (the container's stand-in): what the kernel holds there, and that it
// goes with the namespace.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ifbName, type ShapingRecord } from './bandwidth.js';
import { installShaping, realShapingHost, type ShapingHost } from './tc.js';

const S: ShapingRecord = { ifb: ifbName('feedc0de12345678'), interfaces: ['msbtcA'], bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 };

describe('installShaping (recording runner)', () => {
  it("runs every command in the sandbox's network namespace and fails with the command and tc's reason", () => {
    const calls: string[] = [];
    const host: ShapingHost = {
      run: (argv) => (calls.push(argv.join(' ')), argv.includes('filter') ? { ok: false, error: 'Error: TC classifier not found.' } : { ok: true, out: '' }),
      mtu: () => 1500,
    };
    expect(() => installShaping(S, 4242, host)).toThrow(
      /egress: cannot shape the container's egress \(tc filter add dev msbtcA egress .* in its network namespace\): Error: TC classifier not found\./,
    );
    expect(calls.every((c) => c.startsWith('nsenter --net=/proc/4242/ns/net '))).toBe(true);
    expect(calls[0]).toBe(`nsenter --net=/proc/4242/ns/net ip link add name ${S.ifb} type ifb`);
  });
});

const root = process.getuid?.() === 0;
const tc = ['/usr/sbin/tc', '/sbin/tc'].find((p) => existsSync(p));
const skip = !root ? 'needs root' : !tc ? 'tc not installed (apt-get install iproute2)' : undefined;
if (skip) console.warn(`SKIP shaping with the real tc: ${skip}`);

describe.skipIf(skip !== undefined)('shaping with the real nsenter, ip and tc', () => {
  const ns = `msbtc${process.pid % 100000}`;
  let holder: ChildProcess | undefined;
  const inNs = (...a: string[]): { status: number | null; stdout: string } => spawnSync('ip', ['netns', 'exec', ns, ...a], { encoding: 'utf8' });
  afterAll(() => {
    holder?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('installs the ifb with the tbf and the egress redirect in the namespace, touches nothing on the host, and all goes with the namespace', async () => {
    spawnSync('ip', ['netns', 'del', ns]);
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    expect(inNs('ip', 'link', 'add', 'msbtcA', 'type', 'veth', 'peer', 'name', 'msbtcB').status).toBe(0);
    holder = spawn('ip', ['netns', 'exec', ns, 'sleep', '60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const pid = Number(spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    expect(pid).toBeGreaterThan(0);
    installShaping(S, pid, realShapingHost());
    const qd = JSON.parse(inNs('tc', '-j', 'qdisc', 'show', 'dev', S.ifb).stdout) as { kind: string; options?: { rate?: number; burst?: number } }[];
    expect(qd).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'tbf', options: expect.objectContaining({ rate: 10 * 1024 ** 2, burst: 1024 ** 2 }) })]),
    );
    expect(inNs('tc', '-j', 'filter', 'show', 'dev', 'msbtcA', 'egress').stdout).toContain(`"${S.ifb}"`);
    expect(spawnSync('ip', ['link', 'show', 'dev', S.ifb]).status).not.toBe(0); // not on the host
    holder.kill('SIGKILL');
    expect(spawnSync('ip', ['netns', 'del', ns]).status).toBe(0);
    // The namespace is gone with everything in it; nothing of the container's shaping reached the host.
    expect(spawnSync('ip', ['-j', 'link', 'show', 'type', 'ifb'], { encoding: 'utf8' }).stdout).not.toContain(S.ifb);
  });
});
