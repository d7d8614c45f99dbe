import { describe, expect, it } from 'vitest';
import { fakeContext } from '../fake-host.js';
import { dnsRelayCheck } from './dns-relay.js';

describe('dnsRelayCheck', () => {
  it('skips, saying so, when no relay code is built in', async () => {
    const r = await dnsRelayCheck.run(fakeContext());
    expect(r).toMatchObject({ status: 'skip', facts: { built: false } });
    expect(r.summary).toMatch(/^DNS relay not part of this build/);
  });

  it('warns when relay code exists but no probe is wired, instead of inventing a state', async () => {
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayModules: () => ['/opt/msb/dist/dns/relay.js'] } }));
    expect(r).toMatchObject({ status: 'warn', facts: { built: true } });
    expect(r.fix).toMatch(/dns-relay-probe\.ts/);
  });

  it('reports what the relay\'s probe says', async () => {
    const r = await dnsRelayCheck.run(fakeContext({ host: { relayModules: () => [], dnsRelayProbe: () => ({ status: 'fail', summary: 'relay not running', fix: 'x' }) } }));
    expect(r).toEqual({ status: 'fail', summary: 'relay not running', fix: 'x' });
  });
});
