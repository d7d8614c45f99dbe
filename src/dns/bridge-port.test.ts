import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerBridgePorts, peerIndexes } from './bridge-port.js';

const sys = mkdtempSync(join(tmpdir(), 'msb-sysnet-'));
afterAll(() => rmSync(sys, { recursive: true, force: true }));
function iface(name: string, index: number, master?: string): void {
  mkdirSync(join(sys, name));
  writeFileSync(join(sys, name, 'ifindex'), `${index}\n`);
  if (master) symlinkSync(`../../devices/virtual/net/${master}`, join(sys, name, 'master'));
}
iface('lo', 1);
iface('br-aaaa', 5);
iface('veth1a', 45, 'br-aaaa');
iface('veth2b', 47, 'br-bbbb');
iface('veth9', 49, 'br-aaaa');

const ipLink = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '44: eth0@if45: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:ac:14:00:07 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  '46: eth1@if47: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:ac:15:00:07 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  '',
].join('\n');

describe('containerBridgePorts', () => {
  it('reads each veth end\'s host peer index from ip -o link', () => {
    expect(peerIndexes(ipLink)).toEqual([45, 47]);
  });

  it('names the host-side veths and their bridges, and nothing else', async () => {
    const ports = await containerBridgePorts('/usr/bin/nsenter', '/proc/1/ns/net', async () => ipLink, sys);
    expect(ports.sort((a, b) => a.name.localeCompare(b.name))).toEqual([{ name: 'veth1a', bridge: 'br-aaaa' }, { name: 'veth2b', bridge: 'br-bbbb' }]);
  });
});
