// A profile's egressBandwidth for gVisor containers, shaped by the host with tc in the container's
// network namespace (docs/egress.md),
// through real `docker run`: a 50 MiB upload from a container under a 10 MiB/s profile to a
// server of the test's own "internet" (test/support/test-internet.ts) takes 5 s ± 10 % (issue 14;
// the fastest of up to three tries, as load only adds time), timed where the bytes arrive (sent by test/support/blast.c in 1 MiB writes); the same upload under an unshaped profile is faster, so the
// shaping is what sets the time. The profile's rules still apply behind the shaper, and
// `docker rm -f` leaves no qdisc and no ifb (they live in the container's network namespace, which
// is gone).
import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ifbName } from '../../src/egress/bandwidth.js';
import { egressKey } from '../../src/egress/nft-ruleset.js';
import { docker, DOCKER_MSB_ROOT, dockerOk, dockerSkipReason, freshNetwork, msbLeftovers, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';
import { buildStaticTool } from '../support/static-tool.js';
import { INTERNET as I, routeIsOurs, startInternet, type TestInternet } from '../support/test-internet.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-i14-bw-'));
chmodSync(dir, 0o755);
const blast = buildStaticTool('blast', dir, 'the in-container upload client');
const tools = ['nft', 'tc'].filter((t) => !['/usr/sbin/', '/sbin/'].some((d) => spawnSync('test', ['-x', d + t]).status === 0));
const skipReason =
  dockerSkipReason() ??
  (tools.length > 0 ? `${tools.join(' and ')} not installed (apt-get install nftables iproute2)` : undefined) ??
  ('skip' in blast ? blast.skip : undefined);
if (skipReason) console.warn(`SKIP docker egress bandwidth suite: ${skipReason}`);

const NETWORK = 'msb-i14-bw';
const SUBNET = '172.29.16.0/24';
const GATEWAY = '172.29.16.1';
/** 10 MiB/s in msb's units, with a 1 MiB bucket (msb's bucket is SIZE: 10M/1s would let the first 10 MiB through at once). */
const RATE = '1M/100ms';
const BYTES = 50 * 1024 * 1024;
const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const policy = join(dir, 'policy.json');
const RUNTIMES = { shaped: 'msb-i14-bw-shaped', unshaped: 'msb-i14-bw-public' } as const;
const NAMES = ['msb-i14-bw-shaped', 'msb-i14-bw-unshaped'];

let internet: TestInternet | undefined;

function ctl(args: string[]): string {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** sink reads what the test internet's port 82 received: one entry per finished connection. */
function sink(): Promise<{ from: string; bytes: number; ms: number }[]> {
  return new Promise((resolve, reject) => {
    get({ host: I.allowed, port: 80, path: '/sink', timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(JSON.parse(body) as { from: string; bytes: number; ms: number }[]));
    }).on('error', reject);
  });
}

/** upload sends BYTES from the container to the sink and returns how long they took to arrive (first to last byte). */
async function upload(container: string): Promise<number> {
  const before = (await sink()).length;
  const r = docker(['exec', container, '/blast', I.allowed, '82', String(BYTES)], { timeout: 90_000 });
  expect(r.status, r.stderr).toBe(0);
  let done: { from: string; bytes: number; ms: number } | undefined;
  for (let i = 0; i < 100 && !done; i++) {
    // Docker masquerades what leaves the bridge: the source is the host's, so the entry is the first new one.
    done = (await sink()).slice(before)[0];
    if (!done) await new Promise((res) => setTimeout(res, 100));
  }
  expect(done?.bytes).toBe(BYTES);
  return done?.ms ?? NaN;
}

beforeAll(async () => {
  if (skipReason) return;
  writeFileSync(policy, JSON.stringify({ egress: { profiles: { shaped: { rules: ['allow@public'], egressBandwidth: RATE } } } }));
  ctl(['install', '--name', RUNTIMES.shaped, '--path', runtime, '--runtime-arg', '--egress=shaped', '--runtime-arg', `--policy=${policy}`]);
  ctl(['install', '--name', RUNTIMES.unshaped, '--path', runtime, '--runtime-arg', '--egress=public-only', '--runtime-arg', `--policy=${policy}`]);
  const registered = await waitUntil(() => Object.values(RUNTIMES).every((n) => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${n}"`)));
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
  freshNetwork(NETWORK, ['--subnet', SUBNET, '--gateway', GATEWAY]);
  internet = await startInternet(SUBNET);
  const bridge = `br-${dockerOk(['network', 'inspect', NETWORK, '--format', '{{.Id}}']).trim().slice(0, 12)}`;
  if (!routeIsOurs(I.allowed) || !routeIsOurs(I.allowed, { source: '172.29.16.5', iif: bridge }))
    throw new Error(`${I.allowed} is not routed to the test's namespace: refusing to send anything`);
}, 120_000);

afterAll(() => {
  if (!skipReason) {
    for (const n of NAMES) docker(['rm', '-f', n]);
    docker(['network', 'rm', NETWORK]);
    for (const n of Object.values(RUNTIMES)) ctl(['uninstall', '--name', n]);
  }
  internet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('egress bandwidth shaped with tc (gVisor)', () => {
  it(`a 50 MiB upload under ${RATE} (10 MiB/s) takes 5 s ± 10 %, unshaped it is faster; the rules hold behind the shaper; rm -f leaves no qdisc or ifb`, async () => {
    for (const n of NAMES) docker(['rm', '-f', n]);
    const mount = 'path' in blast ? ['-v', `${blast.path}:/blast:ro`] : [];
    const unshaped = dockerOk([
      'run',
      '-d',
      '--name',
      'msb-i14-bw-unshaped',
      '--network',
      NETWORK,
      `--runtime=${RUNTIMES.unshaped}`,
      ...mount,
      'local/busybox',
      'sleep',
      '600',
    ]).trim();
    const shaped = dockerOk([
      'run',
      '-d',
      '--name',
      'msb-i14-bw-shaped',
      '--network',
      NETWORK,
      `--runtime=${RUNTIMES.shaped}`,
      ...mount,
      'local/busybox',
      'sleep',
      '600',
    ]).trim();
    const record = join(DOCKER_MSB_ROOT, 'msb', 'containers', shaped);
    const ifb = ifbName(egressKey(record));
    const egress = JSON.parse(readFileSync(join(record, 'egress.json'), 'utf8')) as {
      shaping?: { ifb: string; interfaces: string[]; bytesPerSecond: number; bucketBytes: number };
    };
    expect(egress.shaping).toEqual({ ifb, interfaces: ['eth0'], bytesPerSecond: 10 * 1024 * 1024, bucketBytes: 1024 * 1024 });
    const pid = dockerOk(['inspect', '-f', '{{.State.Pid}}', shaped]).trim();
    const netns = `/proc/${pid}/ns/net`;
    const inNs = (...a: string[]): string => spawnSync('nsenter', [`--net=${netns}`, ...a], { encoding: 'utf8' }).stdout;
    expect(inNs('tc', 'qdisc', 'show', 'dev', ifb)).toMatch(/tbf 1: root .*rate 83886Kbit burst 1Mb/);
    expect(inNs('tc', '-j', 'filter', 'show', 'dev', 'eth0', 'egress')).toContain(`"${ifb}"`);
    const nsInode = spawnSync('stat', ['-L', '-c', '%i', netns], { encoding: 'utf8' }).stdout.trim();

    const reference = await upload(unshaped);
    // The shaper sets a ceiling on the rate; a busy host can only add time (CI once saw 5524 ms while
    // the shaper's own figure is 5.13 s). So a try over the bound is repeated, up to three tries, and
    // the fastest is the shaper's figure. Every try is printed.
    const tries: number[] = [];
    do tries.push(await upload(shaped));
    while (tries.length < 3 && (tries.at(-1) as number) > 5500);
    const ms = Math.min(...tries);
    console.log(
      `50 MiB upload: ${tries.join(', ')} ms under ${RATE} (expected 5000 ± 500; 5130 from the arithmetic: 50 MiB of payload plus TCP/IP and Ethernet headers, less the 1 MiB bucket, at 10 MiB/s), ${reference} ms unshaped (public-only)`,
    );
    expect(reference).toBeLessThan(4500); // else gVisor's own speed, not the shaper, could set the time
    for (const t of tries) expect(t).toBeGreaterThanOrEqual(4500); // never faster than the rate allows
    expect(ms).toBeLessThanOrEqual(5500);

    // Behind the shaper the profile still decides: the host behind the gateway is dropped and counted.
    const dropped = (): number =>
      (JSON.parse(ctl(['egress', 'status', '--json'])) as { id: string; dropped: { packets: number } }[]).find((r) => r.id === shaped)?.dropped.packets ?? -1;
    const before = dropped();
    expect(docker(['exec', shaped, 'sh', '-c', `nc -w 2 ${GATEWAY} 9 </dev/null`]).status).not.toBe(0);
    expect(dropped()).toBeGreaterThan(before);

    docker(['rm', '-f', shaped]);
    expect(msbLeftovers(shaped)).toEqual([]);
    // The qdiscs and the ifb were in the container's network namespace: nothing holds it any more.
    const holders = spawnSync(
      'sh',
      ['-c', `for f in /proc/[0-9]*/ns/net /var/run/docker/netns/*; do [ "$(stat -L -c %i "$f" 2>/dev/null)" = "${nsInode}" ] && echo "$f"; done; true`],
      { encoding: 'utf8' },
    ).stdout.trim();
    expect(holders).toBe('');
    expect(spawnSync('ip', ['link', 'show', 'dev', ifb]).status).not.toBe(0);
  }, 240_000);
});
