import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext, goBinary, lookupOutput } from '../fake-host.js';
import { diagnose, discoveryRuntime, readLookup, serviceDiscoveryCheck } from './service-discovery.js';
import type { FakeHostSpec } from '../fake-host.js';
import type { DoctorOptions } from '../context.js';

const NET = 'msb-doctor-c0ffee00';
const PEER = `${NET}-peer`;

async function check(spec: FakeHostSpec = {}, options: DoctorOptions = {}): Promise<{ r: Finding; calls: string[]; live: Set<string> }> {
  const ctx = fakeContext(spec, options);
  const r = await serviceDiscoveryCheck.run(ctx);
  return { r, calls: ctx.host.engine.calls, live: ctx.host.engine.live };
}

describe('serviceDiscoveryCheck', () => {
  it('is ok when a container under msb resolves the runc peer, names the stack, and removes everything', async () => {
    const { r, calls, live } = await check();
    expect(r.status).toBe('ok');
    expect(r.summary).toBe(
      'Docker 20.10.24, containerd 1.6.20, runsc release-20240807.0 (go1.22.5): a container under msb resolved a runc peer by name on a throw-away network (nameserver 172.30.0.1)',
    );
    expect(r.facts).toMatchObject({
      dockerVersion: '20.10.24',
      containerdVersion: '1.6.20',
      runscVersion: 'release-20240807.0',
      runscGo: 'go1.22.5',
      runtime: 'msb',
      resolved: true,
      nameserver: '172.30.0.1',
    });
    expect(calls).toEqual([
      'image local/busybox',
      'leftovers',
      `network create ${NET} c0ffee00`,
      `start ${PEER} runc sleep 55`,
      `address ${PEER}`,
      `run ${NET}-msb msb`,
      `rm ${NET}-msb`,
      `rm ${NET}-runc`,
      `rm ${PEER}`,
      `network rm ${NET}`,
    ]);
    expect([...live]).toEqual([]);
  });

  it("FAILs with the reason when msb left Docker's 127.0.0.11 in place (Docker 28 without the start-time path)", async () => {
    const { r, calls, live } = await check({
      engine: { lookup: (rt, peer) => ({ exitCode: 1, output: lookupOutput('127.0.0.11', peer, rt === 'runc' ? '172.30.0.2' : undefined) }) },
    });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/could NOT resolve a peer by name: msb did not take over resolv\.conf \(nameserver 127\.0\.0\.11\)/);
    expect(r.fix).toMatch(/^update msb/);
    expect(r.detail).toContain('under runc: resolved');
    expect(r.facts?.resolved).toBe(false);
    expect(calls).toContain(`run ${NET}-runc runc`);
    expect([...live]).toEqual([]);
  });

  it('FAILs naming the relay registration when resolv.conf names upstreams instead of the gateway (dns.relay false)', async () => {
    const { r } = await check({
      engine: {
        lookup: (rt, peer) => ({
          exitCode: 1,
          output: rt === 'runc' ? lookupOutput('127.0.0.11', peer, '172.30.0.2') : lookupOutput('10.0.0.2', peer, undefined),
        }),
      },
    });
    expect(r).toMatchObject({ status: 'fail' });
    expect(r.summary).toMatch(
      /msb did not register the container with its DNS relay: resolv\.conf names 10\.0\.0\.2, not the network's gateway 172\.30\.0\.1 \(likely: policy dns\.relay is false for this runtime name; or Docker 28/,
    );
    expect(r.fix).toMatch(/"relay": false/);
  });

  it('names the late network setup first on Docker 28 (the same resolv.conf, another likely cause)', async () => {
    const { r } = await check({
      docker: (await import('../fake-host.js')).fakeDocker({ serverVersion: '28.5.2+dfsg4' }),
      engine: {
        lookup: (rt, peer) => ({
          exitCode: 1,
          output: rt === 'runc' ? lookupOutput('127.0.0.11', peer, '172.30.0.2') : lookupOutput('10.0.0.2', peer, undefined),
        }),
      },
    });
    expect(r.summary).toMatch(
      /\(likely: Docker 28 and newer configure the network and write resolv\.conf after create, where this msb looks; or policy dns\.relay is false/,
    );
    expect(r.fix).toMatch(/update msb to one that finishes DNS at start/);
  });

  it('blames Docker, not msb, when runc cannot resolve the peer either', async () => {
    const { r } = await check({
      engine: { lookup: (rt, peer) => ({ exitCode: 1, output: lookupOutput(rt === 'runc' ? '127.0.0.11' : '172.30.0.1', peer, undefined) }) },
    });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/Docker's own DNS did not resolve the peer for a runc container either/);
  });

  it('FAILs and still removes everything when a step throws (the msb container does not start)', async () => {
    const { r, live } = await check({ engine: { fail: { runContainer: 'OCI runtime create failed: boom' } } });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/the discovery probe under msb failed: OCI runtime create failed: boom/);
    expect(r.fix).toBeTruthy();
    expect([...live]).toEqual([]);
  });

  it('FAILs naming what it could not remove', async () => {
    const { r } = await check({ engine: { fail: { removeNetwork: 'network has active endpoints' } } });
    expect(r.status).toBe('fail');
    expect(r.summary).toMatch(/could not remove what the probe made: network msb-doctor-c0ffee00: network has active endpoints/);
  });

  it('a lookup that never ends is a FAIL, not an OK', async () => {
    const { r } = await check({
      engine: {
        lookup: (rt, peer) =>
          rt === 'runc' ? { exitCode: 0, output: lookupOutput('127.0.0.11', peer, '172.30.0.2') } : { exitCode: null, output: 'nameserver 172.30.0.1\n' },
      },
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/lookup did not finish within 25 s/);
  });

  it("removes what an interrupted doctor run left (older than 10 minutes) and keeps a concurrent run's", async () => {
    const now = Date.parse('2026-12-02T08:00:00Z') / 1000;
    const { r, calls } = await check({
      engine: {
        leftovers: [
          { kind: 'container', id: 'old1', created: now - 3600 },
          { kind: 'network', id: 'oldnet', created: now - 3600 },
          { kind: 'container', id: 'fresh', created: now - 5 },
        ],
      },
    });
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/^removed 2 leftover\(s\) of an interrupted doctor run$/m);
    expect(calls).toContain('rm old1');
    expect(calls).toContain('network rm oldnet');
    expect(calls).not.toContain('rm fresh');
  });

  it('still probes when an old leftover cannot be listed or removed', async () => {
    const { r } = await check({ engine: { fail: { leftovers: 'permission denied' } } });
    expect(r.status).toBe('ok');
  });

  it.each([
    ['no engine', { docker: new Error('connect ENOENT') }, /^no Docker engine answers/],
    ['no msb name', { docker: undefined, engine: {}, host: {} }, /no runtime name points at msb-runtime/],
    ['no local/busybox', { engine: { images: [] } }, /image local\/busybox is missing, so the lookup was not tried/],
  ])('skips with the reason: %s', async (name, spec, summary) => {
    const s = name === 'no msb name' ? { docker: { ...(await import('../fake-host.js')).fakeDocker({ runtimes: { runc: { path: 'runc' } } }) } } : spec;
    const { r, calls } = await check(s as FakeHostSpec);
    expect(r.status).toBe('skip');
    expect(r.summary).toMatch(summary);
    if (name === 'no local/busybox') expect(r.detail).toMatch(/scripts\/build-images\.sh|docker pull busybox/);
    expect(calls.filter((c) => c.startsWith('network') || c.startsWith('run') || c.startsWith('start'))).toEqual([]);
  });

  it('tests the runtime name --runtime asks for, and FAILs when it is not registered', async () => {
    const ok = await check({}, { runtime: 'msb' });
    expect(ok.r.facts?.runtime).toBe('msb');
    const missing = await check({}, { runtime: 'msb-nope' });
    expect(missing.r).toMatchObject({ status: 'fail' });
    expect(missing.r.summary).toMatch(/runtime msb-nope is not registered with the engine/);
  });

  it('WARNs about runsc 20240729 built with Go 1.26 even when discovery works', async () => {
    const { r } = await check({
      commands: { '/usr/bin/runsc --version': 'runsc version 0.0~20240729.0\nspec: 1.1.0\n' },
      binaries: { '/usr/bin/runsc': goBinary('go1.26.2') },
    });
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/built with go1\.26\.2: .*assertTaskGoroutine/);
    expect(r.fix).toMatch(/Debian 13's runsc/);
    expect(r.facts?.runscIssues).toBe('go-1.26-task-goroutine tcgets2');
  });

  it('only notes the TCGETS2 gap (it cannot know which images will run) and does not warn for the Go 1.24 build', async () => {
    const { r } = await check({
      commands: { '/usr/bin/runsc --version': 'runsc version 0.0~20240729.0\n' },
      binaries: { '/usr/bin/runsc': goBinary('go1.24.4') },
    });
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/^note: runsc 0\.0~20240729\.0 predates gVisor PR #12589/m);
  });
});

describe('readLookup', () => {
  it("finds the nameservers and whether the peer's address was answered", () => {
    expect(readLookup(lookupOutput('172.30.0.1', 'p', '172.30.0.2'), '172.30.0.2')).toMatchObject({ nameservers: ['172.30.0.1'], resolved: true });
    expect(readLookup(lookupOutput('172.30.0.1', 'p', undefined), '172.30.0.2').resolved).toBe(false);
    // The server's own address line does not count as an answer, nor does a longer address.
    expect(readLookup(lookupOutput('172.30.0.2', 'p', undefined), '172.30.0.2').resolved).toBe(false);
    expect(readLookup(lookupOutput('172.30.0.1', 'p', '172.30.0.23'), '172.30.0.2').resolved).toBe(false);
    expect(readLookup('sh: nslookup: not found\n', '172.30.0.2')).toEqual({ nameservers: [], resolved: false, answer: '' });
  });
});

describe('discoveryRuntime', () => {
  const engine = (runtimes: Record<string, { path?: string }>) => ({
    address: '',
    serverVersion: '',
    apiVersion: '',
    containerdVersion: '',
    runtimes,
    defaultRuntime: 'runc',
    cgroupVersion: '',
    cgroupDriver: '',
  });
  it('prefers msb, else the first name whose path is msb-runtime', () => {
    expect(discoveryRuntime(engine({ runc: {}, 'msb-b': { path: '/x/shim/msb-runtime' }, msb: { path: '/y/shim/msb-runtime' } }), undefined)).toEqual({
      name: 'msb',
    });
    expect(discoveryRuntime(engine({ 'msb-b': { path: '/x/shim/msb-runtime' }, 'msb-a': { path: '/x/shim/msb-runtime' } }), undefined)).toEqual({
      name: 'msb-a',
    });
    expect(discoveryRuntime(engine({ runc: { path: 'runc' } }), undefined)).toHaveProperty('missing');
  });
});

describe('diagnose', () => {
  it('says the relay did not answer when resolv.conf names the gateway', () => {
    const d = diagnose({ nameservers: ['172.30.0.1'], resolved: false, answer: '' }, '172.30.0.1', { nameservers: ['127.0.0.11'], resolved: true, answer: '' });
    expect(d.summary).toBe("the DNS relay on 172.30.0.1 did not answer the peer's name");
    expect(d.fix).toMatch(/msbctl dns status/);
  });
});
