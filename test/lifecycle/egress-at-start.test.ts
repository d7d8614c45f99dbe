// Egress profiles under Docker 28's order, without Docker: the runtime creates the container, then
// the "engine" (this suite) plugs a veth into the sandbox's netns, then it calls start. msb must
// install the container's nft rules at start, before runsc start, on the veth that exists only
// then; and fail start (nothing runs) when it cannot. The container's first instruction is the
// connection attempt, to a server the suite runs on the bridge's own address (the host behind the
// gateway, which no enforced profile reaches). Needs root, runsc, ip, nsenter and nft.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ifbName } from '../../src/egress/bandwidth.js';
import { egressKey } from '../../src/egress/nft-ruleset.js';
import { leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, type Runtime, tempDir } from '../support/runtime.js';

const missing = ['runsc', 'ip', 'nsenter', 'nft'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
const skipReason = process.getuid?.() !== 0 ? 'needs root' : missing ? `${missing} is not installed` : undefined;
if (skipReason) console.warn(`SKIP egress-at-start suite: ${skipReason}`);

const dir = tempDir('msb-egress-start-');
const BRIDGE = `msbes${process.pid % 100000}`;
const SUBNET = `10.214.${process.pid % 200}`;
const GATEWAY = `${SUBNET}.1`;
const PORT = 8015;
let rootfs = '';
let airgapped: Runtime;
let allowAll: Runtime;
let shaped: Runtime;
let server: Server;
let connections = 0;
let seq = 0;

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

function table(): string {
  return spawnSync('nft', ['list', 'table', 'inet', 'msb'], { encoding: 'utf8' }).stdout;
}

beforeAll(async () => {
  if (skipReason) return;
  rootfs = makeRootfs(dir);
  airgapped = makeRuntime('airgapped', MSB_RUNTIME, dir, ['--egress=airgapped']);
  allowAll = makeRuntime('allowall', MSB_RUNTIME, dir, ['--egress=allow-all']);
  const policy = join(dir, 'shaped-policy.json');
  writeFileSync(policy, JSON.stringify({ egress: { profiles: { shaped: { rules: [], egressBandwidth: '1M/100ms' } } } }));
  shaped = makeRuntime('shaped', MSB_RUNTIME, dir, ['--egress=shaped', `--policy=${policy}`]);
  spawnSync('ip', ['link', 'del', BRIDGE]);
  sh(`ip link add ${BRIDGE} type bridge && ip addr add ${GATEWAY}/24 dev ${BRIDGE} && ip link set ${BRIDGE} up`);
  server = createServer((c) => {
    connections++;
    c.end('host\n');
  });
  await new Promise<void>((resolve) => server.listen(PORT, GATEWAY, resolve));
});

afterAll(() => {
  server?.close();
  if (!skipReason) spawnSync('ip', ['link', 'del', BRIDGE]);
});

/** create, then plug the network in as Docker 28 does (a veth on the bridge, or a bridge: an interface msb cannot tie rules to), then start. */
function createPlugStart(
  rt: Runtime,
  args: string[],
  link: 'veth' | 'bridge' = 'veth',
): { id: string; record: string; veth: string; pid: number; start: ReturnType<typeof run>; output: () => string; createdFiles: string[] } {
  const id = `egstart-${process.pid}-${++seq}`;
  const bundle = makeBundle(dir, rootfs, id, { args });
  const pidFile = join(bundle, 'init.pid');
  const c = run(rt, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  expect(c.status, c.stderr).toBe(0);
  const record = join(rt.root, 'msb', 'containers', id);
  const createdFiles = ['egress-at-start.json', 'egress.json'].filter((f) => existsSync(join(record, f)));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const ns = `/proc/${pid}/ns/net`;
  const veth = `msbe${seq}${process.pid % 1000}`;
  const address = `${SUBNET}.${10 + seq}`;
  if (link === 'veth') {
    sh(`ip link add ${veth} type veth peer name ${veth}c && ip link set ${veth} master ${BRIDGE} up && ip link set ${veth}c netns ${pid}`);
    sh(
      `nsenter --net=${ns} sh -c 'ip link set lo up && ip addr add ${address}/24 dev ${veth}c && ip link set ${veth}c up && ip route add default via ${GATEWAY}'`,
    );
  } else {
    sh(
      `nsenter --net=${ns} sh -c 'ip link set lo up && ip link add ${veth}c type bridge && ip addr add ${address}/24 dev ${veth}c && ip link set ${veth}c up'`,
    );
  }
  const start = run(rt, ['start', id]);
  return { id, record, veth, pid, start, createdFiles, output: () => readFileSync(join(rt.root, '..', `${rt.name}-create.out`), 'utf8') };
}

/** waitFor polls without blocking the event loop (the suite's own server must keep answering). */
async function waitFor(check: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !check()) await new Promise((r) => setTimeout(r, 100));
  return check();
}

const KNOCK = ['sh', '-c', `for i in 1 2 3; do nc -w 2 ${GATEWAY} ${PORT} </dev/null && echo reached; done; echo done`];

describe.skipIf(skipReason !== undefined)('egress when the engine sets the network up between create and start (Docker 28)', () => {
  it('airgapped: create defers, start ties the rules to the veth before the first instruction, which cannot reach the host; delete removes them', async () => {
    const before = connections;
    const c = createPlugStart(airgapped, KNOCK);
    try {
      expect(c.createdFiles).toEqual(['egress-at-start.json']);
      expect(c.start.status, c.start.stderr).toBe(0);
      const key = egressKey(c.record);
      expect(table()).toContain(`type filter hook ingress device "${c.veth}"`);
      expect(table()).toContain(`c_${key}`);
      expect(existsSync(join(c.record, 'egress-at-start.json'))).toBe(false);
      expect(await waitFor(() => c.output().includes('done'), 30_000), c.output()).toBe(true);
      expect(c.output()).not.toContain('reached');
      expect(connections).toBe(before);
      run(airgapped, ['delete', '--force', c.id]);
      expect(leftovers(airgapped, c.id)).toEqual([]);
      expect(table()).not.toContain(key);
    } finally {
      run(airgapped, ['delete', '--force', c.id]);
      spawnSync('ip', ['link', 'del', c.veth]);
    }
  }, 60_000);

  it("egressBandwidth: start also shapes the container's egress in its network namespace (ifb, tbf, redirect of the veth the engine plugged in), beside the rules", async () => {
    const c = createPlugStart(shaped, KNOCK);
    try {
      expect(c.start.status, c.start.stderr).toBe(0);
      const key = egressKey(c.record);
      expect(table()).toContain(`c_${key}`);
      const egress = JSON.parse(readFileSync(join(c.record, 'egress.json'), 'utf8')) as { shaping?: object };
      expect(egress.shaping).toEqual({ ifb: ifbName(key), interfaces: [`${c.veth}c`], bytesPerSecond: 10 * 1024 ** 2, bucketBytes: 1024 ** 2 });
      const pid = c.pid;
      const inNs = (...a: string[]): string => spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...a], { encoding: 'utf8' }).stdout;
      expect(inNs('tc', 'qdisc', 'show', 'dev', ifbName(key))).toMatch(/tbf 1: root .*rate 83886Kbit burst 1Mb/);
      expect(inNs('tc', '-j', 'filter', 'show', 'dev', `${c.veth}c`, 'egress')).toContain(`"${ifbName(key)}"`);
      expect(await waitFor(() => c.output().includes('done'), 30_000), c.output()).toBe(true);
      expect(c.output()).not.toContain('reached');
      run(shaped, ['delete', '--force', c.id]);
      expect(leftovers(shaped, c.id)).toEqual([]);
      expect(table()).not.toContain(key);
      expect(existsSync(`/proc/${pid}`)).toBe(false); // the sandbox, its namespace and the shaping in it are gone
    } finally {
      run(shaped, ['delete', '--force', c.id]);
      spawnSync('ip', ['link', 'del', c.veth]);
    }
  }, 60_000);

  it('the control: allow-all installs nothing and the same first instruction reaches the host', async () => {
    const before = connections;
    const c = createPlugStart(allowAll, KNOCK);
    try {
      expect(c.createdFiles).toEqual([]);
      expect(c.start.status, c.start.stderr).toBe(0);
      const done = await waitFor(() => c.output().includes('done'), 30_000);
      if (!done) console.log(`output: ${c.output()}`);
      expect(done).toBe(true);
      expect(c.output()).toContain('reached');
      expect(connections).toBeGreaterThan(before);
    } finally {
      run(allowAll, ['delete', '--force', c.id]);
      spawnSync('ip', ['link', 'del', c.veth]);
    }
  }, 60_000);

  it('start fails with the reason, and the workload never runs, when the rules cannot be tied to a veth', async () => {
    const d = createPlugStart(airgapped, ['sh', '-c', 'echo workload-ran'], 'bridge');
    try {
      expect(d.start.status).not.toBe(0);
      expect(d.start.stderr).toContain('msb: start: egress at start: egress: interface');
      expect(d.start.stderr).toContain('is not a veth');
      await new Promise((r) => setTimeout(r, 1000));
      expect(d.output()).not.toContain('workload-ran');
    } finally {
      run(airgapped, ['delete', '--force', d.id]);
      expect(leftovers(airgapped, d.id)).toEqual([]);
      expect(table()).not.toContain(egressKey(d.record));
    }
  }, 60_000);
});
