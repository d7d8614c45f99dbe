// Issue 15 item 9: a DNS relay started from a checkout that is later deleted (or rebuilt) must
// keep answering. The relay runs here from a temporary copy of dist/, serves a container whose
// "Docker resolver" is a real DNS responder on 127.0.0.11:53 inside a real network namespace,
// and the copy is deleted before the first query: the relay must still open its socket in the
// namespace (it carries its helper's text and runs its own node through /proc/<pid>/exe), answer
// from there, and report in its status that its install is gone. No Docker needed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../src/dns/dns-message.js';
import { guardChainName } from '../../src/dns/ingress-guard.js';
import { RELAY_STATE_DIR } from '../../src/dns/paths.js';
import { controlRequest, relayStatus } from '../../src/dns/relay-client.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/runtime.js';

const NETNS = `msb-relay-install-${process.pid}`;
const GATEWAY = '127.77.0.1';
const CLIENT = '127.77.0.2';
const ANSWER = [10, 9, 8, 7];
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces, port 53)'
    : !existsSync(join(repoRoot, 'dist/dns/relay-main.js'))
      ? 'msb is not built (npm run build)'
      : spawnSync('sh', ['-c', 'command -v ip && command -v nsenter']).status !== 0
        ? 'ip or nsenter is missing'
        : undefined;
if (skipReason) console.warn(`SKIP dns-relay-install suite: ${skipReason}`);

// Docker's embedded resolver, stood in for: answers every A question with 10.9.8.7.
const RESPONDER = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (q, r) => {
  const head = Buffer.from(q.subarray(0, 12)); head.writeUInt16BE(0x8180, 2); head.writeUInt16BE(1, 6);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ${ANSWER.join(', ')}]);
  s.send(Buffer.concat([head, q.subarray(12), answer]), r.port, r.address);
});
s.bind(53, '127.0.0.11', () => process.stdout.write('ready\\n'));`;

const dir = tempDir('msb-relay-install-');
const copy = join(dir, 'msb-copy');
const stateDir = join(dir, 'state');
const children: ChildProcess[] = [];
let relay: ChildProcess | undefined;

function waitForLine(c: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    c.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
    c.once('exit', (code) => reject(new Error(`exited ${code} before printing ${text}`)));
  });
}

function ask(name: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, 4000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.bind(0, CLIENT, () => s.send(buildQuery(0x1234, name, 1), 53, GATEWAY));
  });
}

beforeAll(async () => {
  if (skipReason) return;
  mkdirSync(copy);
  cpSync(join(repoRoot, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(copy, 'package.json'));
  expect(spawnSync('ip', ['netns', 'add', NETNS]).status).toBe(0);
  expect(spawnSync('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
  const responder = spawn('ip', ['netns', 'exec', NETNS, process.execPath, '-e', RESPONDER], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(responder);
  await waitForLine(responder, 'ready');
  relay = spawn(process.execPath, [join(copy, 'dist/dns/relay-main.js'), 'serve', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100 && !(await relayStatus(stateDir)).running; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  // SIGTERM: the relay removes its iptables chain (ingress-guard.ts) as it stops.
  if (relay && relay.exitCode === null)
    await new Promise<void>((resolve) => {
      relay?.once('exit', () => resolve());
      relay?.kill('SIGTERM');
      setTimeout(() => relay?.kill('SIGKILL'), 5000).unref();
    });
  for (const c of children) c.kill('SIGKILL');
  if (!skipReason) {
    spawnSync('ip', ['netns', 'delete', NETNS]);
    const chain = guardChainName(stateDir, RELAY_STATE_DIR); // in case the relay was killed
    if (spawnSync('iptables', ['-w', '-t', 'raw', '-D', 'PREROUTING', '-j', chain]).status === 0) {
      spawnSync('iptables', ['-w', '-t', 'raw', '-F', chain]);
      spawnSync('iptables', ['-w', '-t', 'raw', '-X', chain]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('a relay whose install is deleted under it', () => {
  it("still answers from the container's own resolver and says its install is gone", async () => {
    const registration = {
      id: `install-test-${process.pid}`,
      pid: process.pid,
      netns: `/var/run/netns/${NETNS}`,
      addresses: [CLIENT],
      gateways: [GATEWAY],
      upstreams: [],
    };
    expect(await controlRequest({ op: 'register', registration }, stateDir)).toEqual({ ok: true });
    rmSync(copy, { recursive: true, force: true }); // the checkout is gone before the first query
    const reply = await ask('web.test');
    expect(reply).toBeDefined();
    expect([...(reply as Buffer).subarray(-4)]).toEqual(ANSWER);
    const s = await relayStatus(stateDir);
    expect(s.running).toBe(true);
    const st = (s as unknown as { status: { install: { state: string }; counters: { unanswered: number } } }).status;
    expect(st.install.state).toBe('gone');
    expect(st.counters.unanswered).toBe(0);
    expect(relay?.exitCode).toBeNull(); // still serving
  });
});
