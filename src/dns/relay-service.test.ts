import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest, relayStatus } from './relay-client.js';
import { loadRegistration, serveRelay } from './relay-service.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-relay-service-'));
const stateDir = join(dir, 'state');
const abort = new AbortController();
let served: Promise<void>;

beforeAll(async () => {
  served = serveRelay({ stateDir, signal: abort.signal, log: () => undefined });
  for (let i = 0; i < 100; i++) {
    if ((await relayStatus(stateDir)).running) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the relay did not come up');
});

afterAll(async () => {
  abort.abort();
  await served;
  rmSync(dir, { recursive: true, force: true });
});

describe('serveRelay control socket', () => {
  it('answers ping and status with nothing registered', async () => {
    expect(await controlRequest({ op: 'ping' }, stateDir)).toEqual({ ok: true, pid: process.pid });
    const s = await relayStatus(stateDir);
    expect(s.running && s.status).toMatchObject({ pid: process.pid, networks: [], containers: [], roots: [], counters: { unregistered: 0 } });
  });

  it('refuses unknown operations, malformed requests, bad registrations and directories without dns.json', async () => {
    expect(await controlRequest({ op: 'nope' }, stateDir)).toEqual({ ok: false, error: 'unknown op "nope"' });
    expect(await controlRequest({ op: 'unregister' }, stateDir)).toEqual({ ok: false, error: 'unregister needs an id' });
    expect(await controlRequest({ op: 'register', registration: { id: 'x' } }, stateDir)).toEqual({
      ok: false,
      error: 'registration pid must be a positive integer',
    });
    expect(await controlRequest({ op: 'register', dir: join(dir, 'missing') }, stateDir)).toEqual({
      ok: false,
      error: `no usable dns.json in ${join(dir, 'missing')}`,
    });
  });
});

describe('loadRegistration', () => {
  const reg = { id: 'c1', pid: process.pid, netns: `/proc/${process.pid}/ns/net`, addresses: ['172.20.0.3'], gateways: ['172.20.0.1'], upstreams: [] };
  it('reads dns.json and keeps the directory', () => {
    const d = join(dir, 'c1');
    mkdirSync(d);
    writeFileSync(join(d, 'dns.json'), JSON.stringify({ ...reg, netnsInode: statSync(reg.netns).ino }));
    expect(loadRegistration(d)).toMatchObject({ id: 'c1', dir: d, addresses: ['172.20.0.3'] });
  });

  it('ignores a registration whose pid now lives in another netns, and broken files', () => {
    const d = join(dir, 'c2');
    mkdirSync(d);
    writeFileSync(join(d, 'dns.json'), JSON.stringify({ ...reg, id: 'c2', netnsInode: 1 }));
    expect(loadRegistration(d)).toBeUndefined();
    writeFileSync(join(d, 'dns.json'), '{not json');
    expect(loadRegistration(d)).toBeUndefined();
  });

  it('reads egress.json beside dns.json (a restarted relay filters names again); a broken one registers nothing, never an unfiltered container', () => {
    const d = join(dir, 'c3');
    mkdirSync(d);
    writeFileSync(join(d, 'dns.json'), JSON.stringify({ ...reg, id: 'c3', netnsInode: statSync(reg.netns).ino }));
    const egress = {
      profile: 'airgapped',
      key: '00000000000000c3',
      mark: 1836253187,
      networks: [{ veth: 'vethX', address: '172.20.0.3', prefix: 16, gateway: '172.20.0.1' }],
      names: [],
      otherNames: 'peers-only',
      peers: true,
      dnsRebindProtection: true,
    };
    writeFileSync(join(d, 'egress.json'), JSON.stringify(egress));
    expect(loadRegistration(d)?.egress).toEqual({ names: [], otherNames: 'peers-only', peers: true, dnsRebindProtection: true, networks: egress.networks });
    writeFileSync(join(d, 'egress.json'), JSON.stringify({ ...egress, otherNames: 'everything' }));
    expect(loadRegistration(d)).toBeUndefined();
  });
});
