import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { containerRegistration, dockerDnsServers, type RegistrationInputs } from './container-registration.js';

const FIB = `Local:\n  +-- 172.20.0.0/16 2 0 2\n     |-- 172.20.0.3\n        /32 host LOCAL\n     |-- 172.30.0.7\n        /32 host LOCAL\n`;
const ROUTE = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nEth0\t00000000\t01001EAC\t0003\t0\t0\t0\t00000000\n';
const ifaces = {
  'br-a': [{ address: '172.20.0.1', cidr: '172.20.0.1/16', netmask: '', family: 'IPv4', mac: '', internal: false } as NetworkInterfaceInfo],
  'br-b': [{ address: '172.30.0.1', cidr: '172.30.0.1/16', netmask: '', family: 'IPv4', mac: '', internal: false } as NetworkInterfaceInfo],
};
const inputs: RegistrationInputs = {
  id: 'c1',
  dir: '/run/x/msb/containers/c1',
  pid: 42,
  dockerResolvConf: '/var/lib/docker/containers/c1/resolv.conf',
  policyUpstreams: [],
  hostResolvers: () => ['10.0.0.53'],
  rateLimit: 100,
};

function files(extra: Record<string, string> = {}): (p: string) => string {
  const fs: Record<string, string> = { '/proc/42/net/fib_trie': FIB, '/proc/42/net/route': ROUTE, ...extra };
  return (p) => {
    const t = fs[p];
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  };
}

describe('dockerDnsServers', () => {
  it.each<[string, string[]]>([
    ['{"Dns":["192.0.2.53","::1","127.0.0.1","fd00::53","203.0.113.5"]}', ['192.0.2.53', '203.0.113.5']],
    ['{"Dns":null}', []],
    ['{}', []],
    ['not json', []],
  ])('%s → %j', (text, expected) => {
    expect(dockerDnsServers(text)).toEqual(expected);
  });
});

describe('containerRegistration', () => {
  it("registers every address that shares a network with the host and names the default route's gateway", () => {
    const r = containerRegistration(
      inputs,
      files(),
      () => 99,
      ifaces,
      () => true,
    );
    expect(r).toEqual({
      nameserver: '172.30.0.1',
      reg: {
        id: 'c1',
        dir: inputs.dir,
        pid: 42,
        netns: '/proc/42/ns/net',
        netnsInode: 99,
        addresses: ['172.20.0.3', '172.30.0.7'],
        gateways: ['172.20.0.1', '172.30.0.1'],
        upstreams: ['10.0.0.53'],
        rateLimit: 100,
      },
    });
  });

  it("prefers the container's --dns, then the policy's upstreams, then the host's resolvers", () => {
    const withDns = files({ '/var/lib/docker/containers/c1/hostconfig.json': '{"Dns":["192.0.2.1"]}' });
    const reg = (i: RegistrationInputs, read: (p: string) => string) => {
      const r = containerRegistration(
        i,
        read,
        () => 1,
        ifaces,
        () => true,
      );
      return 'reg' in r ? r.reg.upstreams : r.reason;
    };
    expect(reg({ ...inputs, policyUpstreams: ['198.51.100.1'] }, withDns)).toEqual(['192.0.2.1']);
    expect(reg({ ...inputs, policyUpstreams: ['198.51.100.1', '2001:db8::1'] }, files())).toEqual(['198.51.100.1']);
    expect(reg(inputs, files())).toEqual(['10.0.0.53']);
  });

  it('says why when no host address shares a network with the container', () => {
    expect(containerRegistration(inputs, files(), () => 1, {})).toEqual({ reason: 'no host address shares a network with 172.20.0.3, 172.30.0.7' });
  });

  it("says why when the sandbox's /proc cannot be read", () => {
    const none = (p: string): string => {
      throw new Error(`EACCES ${p}`);
    };
    expect(
      containerRegistration(
        inputs,
        none,
        () => 1,
        ifaces,
        () => true,
      ),
    ).toEqual({ reason: 'cannot read the network of pid 42: EACCES /proc/42/net/fib_trie' });
    expect(
      containerRegistration(
        { ...inputs, pid: 43 },
        files(),
        () => 1,
        ifaces,
        () => true,
      ),
    ).toMatchObject({ reason: expect.stringMatching(/^cannot read the network of pid 43: ENOENT/) });
  });

  it("reads a restore's snapshot of the netns (netDir) instead of /proc/<pid>/net, and keeps the live netns for the relay", () => {
    const snap = files({
      '/rec/net-at-restore/fib_trie': FIB,
      '/rec/net-at-restore/route': ROUTE,
      '/proc/42/net/fib_trie': 'Local:\n',
      '/proc/42/net/route': 'Iface\n',
    });
    const r = containerRegistration(
      { ...inputs, netDir: '/rec/net-at-restore' },
      snap,
      () => 7,
      ifaces,
      () => true,
    );
    expect(r).toMatchObject({ nameserver: '172.30.0.1', reg: { netns: '/proc/42/ns/net', netnsInode: 7, addresses: ['172.20.0.3', '172.30.0.7'] } });
    expect(
      containerRegistration(
        { ...inputs, netDir: '/gone' },
        files(),
        () => 1,
        ifaces,
        () => true,
      ),
    ).toEqual({ reason: 'cannot read the network of pid 42 as recorded in /gone: ENOENT /gone/fib_trie' });
  });
});
