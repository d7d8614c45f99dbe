// Shaping with a recording ip/tc (failures), then with the real ip and tc on a veth pair the test
// makes: install, what the kernel holds, removal, and the sweep of an ifb whose record is gone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ifbName, type ShapingRecord } from './bandwidth.js';
import { installShaping, realShapingHost, removeShaping, type ShapingHost, sweepShapers } from './tc.js';

const S: ShapingRecord = { ifb: ifbName('feedc0de12345678'), veths: ['msbtcA'], bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 };

describe('installShaping (recording ip/tc)', () => {
  it('fails with the command and tc\'s reason', () => {
    const calls: string[] = [];
    const host: ShapingHost = {
      run: (argv) => (calls.push(argv.join(' ')), argv[0] === 'tc' && argv[1] === 'filter' ? { ok: false, error: 'Error: TC classifier not found.' } : { ok: argv[1] !== '-j', out: '', error: 'no such device' } as never),
      mtu: () => 1500,
      exists: () => true,
    };
    expect(() => installShaping(S, '/r', host)).toThrow(/egress: cannot shape the container's egress \(tc filter add dev msbtcA .*\): Error: TC classifier not found\./);
    expect(calls[0]).toBe(`ip -j link show dev ${S.ifb}`);
  });
});

const root = process.getuid?.() === 0;
const tc = ['/usr/sbin/tc', '/sbin/tc'].find((p) => existsSync(p));
const skip = !root ? 'needs root' : !tc ? 'tc not installed (apt-get install iproute2)' : undefined;
if (skip) console.warn(`SKIP shaping with the real tc: ${skip}`);

describe.skipIf(skip !== undefined)('shaping with the real ip and tc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msb-tc-rec-'));
  const ip = (...a: string[]): string => spawnSync('ip', a, { encoding: 'utf8' }).stdout;
  afterAll(() => {
    ip('link', 'del', 'msbtcA');
    ip('link', 'del', S.ifb);
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs an ifb with the tbf and the redirect, removes both, and the sweep removes an ifb whose record is gone', () => {
    ip('link', 'del', 'msbtcA');
    spawnSync('ip', ['link', 'add', 'msbtcA', 'type', 'veth', 'peer', 'name', 'msbtcB']);
    const host = realShapingHost();
    installShaping(S, dir, host);
    const qd = spawnSync('tc', ['-j', 'qdisc', 'show', 'dev', S.ifb], { encoding: 'utf8' }).stdout;
    expect(JSON.parse(qd)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tbf', options: expect.objectContaining({ rate: 10 * 1024 ** 2, burst: 1024 ** 2 }) })]));
    expect(spawnSync('tc', ['-j', 'filter', 'show', 'dev', 'msbtcA', 'ingress'], { encoding: 'utf8' }).stdout).toContain(`"${S.ifb}"`);
    expect(ip('-j', 'link', 'show', 'dev', S.ifb)).toContain(`"ifalias":"${dir}"`);
    // Installing again for the same record (a retried create) replaces the ifb: no "File exists".
    spawnSync('tc', ['qdisc', 'del', 'dev', 'msbtcA', 'ingress']);
    installShaping(S, dir, host);

    expect(removeShaping(S, host)).toBeUndefined();
    expect(ip('link', 'show', 'dev', S.ifb)).toBe('');
    expect(spawnSync('tc', ['qdisc', 'show', 'dev', 'msbtcA', 'ingress'], { encoding: 'utf8' }).stdout).toBe('');
    expect(removeShaping(S, host)).toBeUndefined(); // nothing left: a no-op

    const gone = join(dir, 'gone');
    installShaping(S, gone, host);
    const logs: string[] = [];
    sweepShapers({ ...host, exists: (p) => p !== gone && existsSync(p) }, (m) => logs.push(m));
    expect(ip('link', 'show', 'dev', S.ifb)).toBe('');
    expect(logs.join('\n')).toContain(`removed ifb ${S.ifb} of ${gone}`);
  });
});
