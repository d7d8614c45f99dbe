import { describe, expect, it } from 'vitest';
import { guardChainName, IngressGuard, interfaceWithAddress, type IptablesRun } from './ingress-guard.js';

type Ifaces = ReturnType<typeof import('node:os').networkInterfaces>;
const addr = (address: string): NonNullable<Ifaces[string]>[number] => ({
  address,
  netmask: '255.255.0.0',
  family: 'IPv4',
  mac: '02:42:00:00:00:00',
  internal: false,
  cidr: `${address}/16`,
});
const ifaces: Ifaces = { lo: [addr('127.0.0.1')], eth0: [addr('10.0.0.5')], 'br-aaaa': [addr('172.20.0.1')], 'br-bbbb': [addr('172.21.0.1')] };

function recorder(fail: (args: readonly string[]) => string | undefined = () => undefined): { run: IptablesRun; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: (args) => {
      calls.push(args.join(' '));
      const error = fail(args);
      return error ? { ok: false, error } : { ok: true };
    },
  };
}

describe('interfaceWithAddress and guardChainName', () => {
  it('finds the bridge that holds a gateway', () => {
    expect(interfaceWithAddress('172.21.0.1', ifaces)).toBe('br-bbbb');
    expect(interfaceWithAddress('172.22.0.1', ifaces)).toBeUndefined();
  });

  it("names the host relay's chain plainly and other state directories' chains by a hash, within 28 characters", () => {
    expect(guardChainName('/run/msb-dns', '/run/msb-dns')).toBe('MSB-DNS-INGRESS');
    const other = guardChainName('/tmp/bench/state', '/run/msb-dns');
    expect(other).toMatch(/^MSB-DNS-[0-9a-f]{12}$/);
    expect(other.length).toBeLessThanOrEqual(28);
  });
});

describe('IngressGuard', () => {
  it('drops queries to a gateway that arrive on any interface but its bridge, per protocol, in its own raw chain', () => {
    const r = recorder((args) => (args.includes('-C') ? 'no such rule' : undefined));
    const g = new IngressGuard('MSB-DNS-INGRESS', 53, r.run, () => ifaces);
    expect(g.protect('172.20.0.1')).toEqual({ guarded: true, bridge: 'br-aaaa' });
    expect(r.calls).toEqual([
      '-t raw -N MSB-DNS-INGRESS',
      '-t raw -F MSB-DNS-INGRESS',
      '-t raw -C PREROUTING -j MSB-DNS-INGRESS',
      '-t raw -I PREROUTING -j MSB-DNS-INGRESS',
      '-t raw -A MSB-DNS-INGRESS -d 172.20.0.1/32 -p udp --dport 53 ! -i br-aaaa -j DROP',
      '-t raw -A MSB-DNS-INGRESS -d 172.20.0.1/32 -p tcp --dport 53 ! -i br-aaaa -j DROP',
    ]);
  });

  it("does not add the jump twice, removes a gateway's rules on release and everything on close", () => {
    const r = recorder();
    const g = new IngressGuard('C', 5353, r.run, () => ifaces);
    g.protect('172.21.0.1');
    g.release('172.21.0.1');
    expect(g.stateOf('172.21.0.1')).toBeUndefined();
    g.close();
    expect(r.calls.filter((c) => c.includes('-I PREROUTING'))).toEqual([]);
    expect(r.calls.slice(-5)).toEqual([
      '-t raw -D C -d 172.21.0.1/32 -p udp --dport 5353 ! -i br-bbbb -j DROP',
      '-t raw -D C -d 172.21.0.1/32 -p tcp --dport 5353 ! -i br-bbbb -j DROP',
      '-t raw -D PREROUTING -j C',
      '-t raw -F C',
      '-t raw -X C',
    ]);
  });

  it('says why a gateway is not guarded: no bridge holds it, or iptables fails', () => {
    const g = new IngressGuard('C', 53, recorder().run, () => ifaces);
    expect(g.protect('172.30.0.1')).toEqual({ guarded: false, reason: 'no host interface holds 172.30.0.1' });
    const broken = new IngressGuard('C', 53, recorder(() => 'iptables: command not found').run, () => ifaces);
    expect(broken.protect('172.20.0.1')).toEqual({ guarded: false, reason: 'cannot use iptables raw chain C: iptables: command not found' });
    const noAppend = new IngressGuard('C', 53, recorder((a) => (a.includes('-A') ? 'Permission denied' : undefined)).run, () => ifaces);
    expect(noAppend.protect('172.20.0.1')).toEqual({ guarded: false, reason: 'iptables: Permission denied' });
  });
});
