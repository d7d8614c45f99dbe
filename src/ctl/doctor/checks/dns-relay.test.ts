import { describe, expect, it } from 'vitest';
import { fakeContext } from '../fake-host.js';
import { dnsRelayCheck } from './dns-relay.js';

const running = (networks: { address: string; error?: string; containers: string[] }[]) => async () => ({
  running: true as const,
  status: { ok: true, pid: 42, networks, containers: networks.flatMap((n) => n.containers.map((id) => ({ id }))) },
});

describe('dnsRelayCheck', () => {
  it('is ok when no relay runs: the first create that needs it starts it', async () => {
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayStatus: async () => ({ running: false, reason: 'no DNS relay answers' }) } }));
    expect(r).toMatchObject({ status: 'ok', detail: 'no DNS relay answers', facts: { enabled: true, running: false } });
    expect(r.summary).toMatch(/^not running; the first gVisor container/);
  });

  it('reports what a running relay serves', async () => {
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayStatus: running([{ address: '172.18.0.1', containers: ['a', 'b'] }]) } }));
    expect(r).toEqual({
      status: 'ok',
      summary: 'running (pid 42), serving 2 container(s) on 1 network(s)',
      facts: { enabled: true, running: true, pid: 42, networks: 1, containers: 2 },
    });
  });

  it('warns when the relay cannot listen on a gateway', async () => {
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayStatus: running([{ address: '172.18.0.1', error: 'EADDRINUSE', containers: ['a'] }]) } }));
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/NOT LISTENING on 172\.18\.0\.1:53 \(EADDRINUSE\)/);
  });

  it('fails, never "running", when the relay left queries unanswered lately', async () => {
    const at = new Date().toISOString();
    const relayStatus = async () => ({
      running: true as const,
      status: { ok: true, pid: 42, networks: [], containers: [], counters: { unanswered: 138 }, health: { lastUnansweredAt: at } },
    });
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayStatus } }));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      `running (pid 42), serving 0 container(s) on 0 network(s), but FAILING: queries left unanswered: 138 in all, the last at ${at}, none answered since`,
    );
    expect(r.fix).toMatch(/kill 42 so the next container start runs a relay from the installed msb/);
  });

  it('warns when forged sources are not kept out on a gateway', async () => {
    const relayStatus = async () => ({
      running: true as const,
      status: {
        ok: true,
        pid: 42,
        networks: [{ address: '172.18.0.1', containers: ['a'], guard: { guarded: false, reason: 'iptables: not found' } }],
        containers: [{ id: 'a' }],
      },
    });
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayStatus } }));
    expect(r.status).toBe('warn');
    expect(r.summary).toContain('gateway 172.18.0.1: queries with a forged source from other networks are not kept out (iptables: not found)');
  });

  it('warns when the policy turned the relay off', async () => {
    const ctx = fakeContext({
      files: { '/etc/msb/policy.json': '{"dns":{"relay":false}}' },
      host: { relayStatus: async () => ({ running: false, reason: 'x' }) },
    });
    const r = await dnsRelayCheck.run(ctx);
    expect(r).toMatchObject({ status: 'warn', facts: { enabled: false } });
  });
});
