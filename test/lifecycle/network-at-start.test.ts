// Docker 28's order, without Docker: the runtime creates the container, then the engine sets its
// network namespace up and rewrites resolv.conf, then it calls start (moby#47406; Docker ≤ 27 did
// this in create's libnetwork-setkey hook). This suite plays the engine: between msb's create and
// start it gives the sandbox's netns a veth on a bridge of its own, a resolver on 127.0.0.11 (as
// Docker's embedded DNS is) and Docker's final resolv.conf. The container's command is the lookup
// itself, so its first instruction proves what it sees. Needs root, runsc, ip and nsenter.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, type Runtime, tempDir } from '../support/runtime.js';

const missing = ['runsc', 'ip', 'nsenter'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
const skipReason = process.getuid?.() !== 0 ? 'needs root' : missing ? `${missing} is not installed` : undefined;
if (skipReason) console.warn(`SKIP network-at-start suite: ${skipReason}`);

const dir = tempDir('msb-netstart-');
const BRIDGE = `msbns${process.pid % 100000}`;
const SUBNET = `10.213.${process.pid % 200}`;
const GATEWAY = `${SUBNET}.1`;
const ADDRESS = `${SUBNET}.2`;
/** PEER_A is what the stand-in for Docker's embedded DNS answers for every name (TEST-NET-2). */
const PEER_A = '198.51.100.77';
let rootfs = '';
let rt: Runtime;
let seq = 0;

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

beforeAll(() => {
  if (skipReason) return;
  rootfs = makeRootfs(dir);
  rt = makeRuntime('msb', MSB_RUNTIME, dir);
  spawnSync('ip', ['link', 'del', BRIDGE]);
  sh(`ip link add ${BRIDGE} type bridge && ip addr add ${GATEWAY}/24 dev ${BRIDGE} && ip link set ${BRIDGE} up`);
});

afterAll(() => {
  if (!skipReason) spawnSync('ip', ['link', 'del', BRIDGE]);
  rmSync(dir, { recursive: true, force: true });
});

/** EMBEDDED_DNS answers every A question with PEER_A, on 127.0.0.11:53 inside a netns. */
const EMBEDDED_DNS = `
const s = require('dgram').createSocket('udp4');
s.on('message', (q, r) => {
  let i = 12; while (q[i] !== 0) i += q[i] + 1; const qend = i + 5;
  const h = Buffer.from(q.subarray(0, 12)); h.writeUInt16BE(0x8180, 2); h.writeUInt16BE(1, 4); h.writeUInt32BE(0, 8);
  const isA = q.readUInt16BE(qend - 4) === 1;
  h.writeUInt16BE(isA ? 1 : 0, 6);
  const a = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ${PEER_A.split('.').join(', ')}]);
  s.send(Buffer.concat([h, q.subarray(12, qend), isA ? a : Buffer.alloc(0)]), r.port, r.address);
});
s.bind(53, '127.0.0.11', () => console.log('ready'));
`;

/** playDocker28 does what Docker 28 does between create and start: network up, resolv.conf final. */
async function playDocker28(pid: number, veth: string, resolvConf: string, dockerFile: string): Promise<ChildProcess> {
  const ns = `/proc/${pid}/ns/net`;
  sh(`ip link add ${veth} type veth peer name ${veth}c && ip link set ${veth} master ${BRIDGE} up && ip link set ${veth}c netns ${pid}`);
  sh(
    `nsenter --net=${ns} sh -c 'ip link set lo up && ip addr add ${ADDRESS}/24 dev ${veth}c && ip link set ${veth}c up && ip route add default via ${GATEWAY}'`,
  );
  const dns = spawn('nsenter', [`--net=${ns}`, process.execPath, '-e', EMBEDDED_DNS], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    dns.stdout?.once('data', () => resolve());
    dns.once('exit', (code) => reject(new Error(`the stand-in embedded DNS exited ${code}`)));
  });
  writeFileSync(dockerFile, resolvConf); // in place, as Docker rewrites it
  return dns;
}

function waitFor(check: () => boolean, ms = 20_000): boolean {
  const end = Date.now() + ms;
  while (Date.now() < end && !check()) spawnSync('sleep', ['0.1']);
  return check();
}

interface Started {
  id: string;
  bundle: string;
  output: () => string;
}

async function createPlayStart(args: string[], finalResolvConf: string, opts: { hook?: boolean } = {}): Promise<Started & { dns?: ChildProcess }> {
  const id = `netstart-${process.pid}-${++seq}`;
  const draft = 'nameserver 192.0.2.53\n'; // Docker's draft: the host's resolver
  const bundle = makeBundle(dir, rootfs, id, {
    args,
    resolvConf: draft,
    mutate: (spec) => {
      if (opts.hook) spec.hooks = { prestart: [{ path: '/bin/true', args: ['libnetwork-setkey', '-exec-root=/var/run/docker', id, 'abc'] }] };
    },
  });
  const pidFile = join(bundle, 'init.pid');
  const c = run(rt, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  expect(c.status, c.stderr).toBe(0);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let dns: ChildProcess | undefined;
  if (!opts.hook) dns = await playDocker28(pid, `msbv${seq}${process.pid % 1000}`, finalResolvConf, join(bundle, 'docker-resolv.conf'));
  const s = run(rt, ['start', id]);
  expect(s.status, s.stderr).toBe(0);
  return { id, bundle, dns, output: () => readFileSync(join(rt.root, '..', 'msb-create.out'), 'utf8') };
}

function finish(c: Started & { dns?: ChildProcess }): void {
  c.dns?.kill('SIGKILL');
  run(rt, ['delete', '--force', c.id]);
  expect(leftovers(rt, c.id)).toEqual([]);
}

describe.skipIf(skipReason !== undefined)('DNS when the engine sets the network up between create and start (Docker 28)', () => {
  it('create defers the DNS work: no registration yet, the record says it waits for start', async () => {
    const id = `netstart-${process.pid}-defer`;
    const bundle = makeBundle(dir, rootfs, id, { resolvConf: 'nameserver 192.0.2.53\n' });
    expect(run(rt, ['create', '--bundle', bundle, '--pid-file', join(bundle, 'init.pid'), id]).status).toBe(0);
    const record = join(rt.root, 'msb', 'containers', id);
    expect(existsSync(join(record, 'dns-at-start.json'))).toBe(true);
    expect(existsSync(join(record, 'dns.json'))).toBe(false);
    expect(readFileSync(join(record, 'launcher.sh'), 'utf8')).toContain('msb_dns_docker=');
    run(rt, ['delete', '--force', id]);
    expect(leftovers(rt, id)).toEqual([]);
  });

  it("a container whose first instruction is a lookup resolves through the relay once Docker's resolv.conf names 127.0.0.11", async () => {
    const c = await createPlayStart(
      ['sh', '-c', 'cat /etc/resolv.conf; nslookup peer-by-name'],
      'nameserver 127.0.0.11\nsearch example.test\noptions ndots:0\n',
    );
    try {
      expect(
        waitFor(() => c.output().includes(PEER_A) || /can't resolve|NXDOMAIN|timed out/.test(c.output())),
        c.output(),
      ).toBe(true);
      const out = c.output();
      expect(out).toContain(`nameserver ${GATEWAY}`);
      expect(out).not.toMatch(/^nameserver (127\.0\.0\.11|192\.0\.2\.53)/m);
      expect(out).toContain('search example.test');
      expect(out).toContain(PEER_A);
      const reg = JSON.parse(readFileSync(join(rt.root, 'msb', 'containers', c.id, 'dns.json'), 'utf8')) as { addresses: string[]; gateways: string[] };
      expect(reg.addresses).toEqual([ADDRESS]);
      expect(reg.gateways).toEqual([GATEWAY]);
    } finally {
      finish(c);
    }
  });

  it("a network without Docker's embedded DNS: the container sees Docker's final resolv.conf, not the draft, and start stays in sh", async () => {
    const final = 'nameserver 192.0.2.1\nsearch lan.test\n';
    const c = await createPlayStart(['cat', '/etc/resolv.conf'], final);
    try {
      expect(waitFor(() => c.output().includes('192.0.2.1'))).toBe(true);
      expect(c.output()).toBe(final);
      expect(existsSync(join(rt.root, 'msb', 'containers', c.id, 'dns.json'))).toBe(false);
    } finally {
      finish(c);
    }
  });

  it('Docker ≤ 27 (a libnetwork-setkey hook in the spec): DNS is finished at create, start has nothing to do', async () => {
    const c = await createPlayStart(['cat', '/etc/resolv.conf'], '', { hook: true });
    try {
      const record = join(rt.root, 'msb', 'containers', c.id);
      expect(existsSync(join(record, 'dns-at-start.json'))).toBe(false);
      expect(readFileSync(join(record, 'launcher.sh'), 'utf8')).not.toContain('msb_dns_docker=');
      expect(waitFor(() => c.output().includes('192.0.2.53'))).toBe(true);
    } finally {
      finish(c);
    }
  });
});
