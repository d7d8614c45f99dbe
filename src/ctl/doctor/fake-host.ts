// A healthy host for doctor's unit tests; each test overrides the part it is about.
import type { KrunProvider } from '../../isolation/krun/provider.js';
import { DOCTOR_LABEL, type DockerProbe, type Leftover, type ProbeRun } from './docker-probe.js';
import type { DockerFacts, DoctorHost, RunResult } from './host.js';
import { CGROUP2_SUPER_MAGIC } from './checks/cgroup.js';
import { type DoctorContext, type DoctorOptions, createDoctorContext } from './context.js';

/** FAKE_CHECKOUT is the fake host's msb checkout. */
export const FAKE_CHECKOUT = '/opt/msb';

/** FAKE_RUNTIME is the checkout's shim, registered as "msb" in the fake daemon.json and engine. */
export const FAKE_RUNTIME = `${FAKE_CHECKOUT}/shim/msb-runtime`;

/** FakeHostSpec is what a test changes: files, commands on PATH, command outputs, the engine. */
export interface FakeHostSpec {
  /** files maps a path to its text; undefined removes a default file. */
  files?: Record<string, string | undefined>;
  /** paths that exist (besides files); symlinks map a path to its target. */
  paths?: string[];
  symlinks?: Record<string, string>;
  /** which maps a command name to its path; absent names are not on PATH. */
  which?: Record<string, string | undefined>;
  /** commands maps "path arg arg" to a result (a string is stdout with status 0). */
  commands?: Record<string, string | RunResult>;
  docker?: DockerFacts | Error;
  /** binaries maps a path to its bytes (readBytes); /usr/bin/runsc is a Go 1.22 build by default. */
  binaries?: Record<string, Buffer>;
  engine?: FakeEngineSpec;
  host?: Partial<DoctorHost>;
}

/** goBinary is a stand-in for a binary built with Go `version`: Go's inline build-info blob amid other bytes. */
export function goBinary(version: string): Buffer {
  const head = Buffer.alloc(32);
  head.write('\xff Go buildinf:', 0, 'latin1');
  head[14] = 8;
  head[15] = 2;
  return Buffer.concat([Buffer.from('\x7fELF junk'), head, Buffer.from([version.length]), Buffer.from(version, 'latin1'), Buffer.from([0])]);
}

/** FakeEngineSpec scripts the engine under the service-discovery probe. */
export interface FakeEngineSpec {
  /** images present; default local/busybox. */
  images?: string[];
  gateway?: string;
  peerAddress?: string;
  /** lookup is a lookup container's output by runtime; default: resolv.conf as Docker (runc) or msb (the gateway) writes it, and the peer found. */
  lookup?: (runtime: string, peer: string, engine: { gateway: string; peerAddress: string }) => ProbeRun;
  /** fail makes one DockerProbe method throw this message. */
  fail?: Partial<Record<keyof DockerProbe, string>>;
  leftovers?: Leftover[];
}

/** lookupOutput is what the lookup container prints: its resolv.conf nameservers, the mark, nslookup's answer. */
export function lookupOutput(nameserver: string, peer: string, address: string | undefined): string {
  const answer = address
    ? `Server:\t\t${nameserver}\nAddress:\t${nameserver}:53\n\nNon-authoritative answer:\nName:\t${peer}\nAddress: ${address}\n`
    : `Server:\t\t${nameserver}\nAddress:\t${nameserver}:53\n\n** server can't find ${peer}: NXDOMAIN\n`;
  return `search example.com\nnameserver ${nameserver}\n--- msb-doctor lookup ---\n${answer}`;
}

/** FakeEngine is the fake DockerProbe with what it was asked and what still exists. */
export interface FakeEngine extends DockerProbe {
  calls: string[];
  /** live holds the containers and networks made and not removed. */
  live: Set<string>;
}

/** fakeEngine builds a scripted DockerProbe. */
export function fakeEngine(spec: FakeEngineSpec = {}): FakeEngine {
  const gateway = spec.gateway ?? '172.30.0.1';
  const peerAddress = spec.peerAddress ?? '172.30.0.2';
  const calls: string[] = [];
  const live = new Set<string>();
  const step = (method: keyof DockerProbe, call: string): void => {
    calls.push(call);
    const message = spec.fail?.[method];
    if (message !== undefined) throw new Error(message);
  };
  const lookup = spec.lookup ?? ((runtime, peer) => ({ exitCode: 0, output: lookupOutput(runtime === 'runc' ? '127.0.0.11' : gateway, peer, peerAddress) }));
  return {
    calls,
    live,
    imageExists: async (ref) => (step('imageExists', `image ${ref}`), (spec.images ?? ['local/busybox']).includes(ref)),
    createNetwork: async (name, labels) => {
      step('createNetwork', `network create ${name} ${labels[DOCTOR_LABEL] ?? ''}`);
      live.add(name);
      return gateway;
    },
    startContainer: async (c) => {
      live.add(c.name);
      step('startContainer', `start ${c.name} ${c.runtime} ${c.cmd.join(' ')}`);
    },
    runContainer: async (c) => {
      live.add(c.name);
      step('runContainer', `run ${c.name} ${c.runtime}`);
      return lookup(c.runtime, c.cmd.at(-1)?.split(' ').at(-1) ?? '', { gateway, peerAddress });
    },
    addressOn: async (c) => (step('addressOn', `address ${c}`), peerAddress),
    removeContainer: async (name) => {
      step('removeContainer', `rm ${name}`);
      live.delete(name);
    },
    removeNetwork: async (name) => {
      step('removeNetwork', `network rm ${name}`);
      live.delete(name);
    },
    leftovers: async () => (step('leftovers', 'leftovers'), spec.leftovers ?? []),
  };
}

/** fakeDocker is an engine with runc and this checkout's msb, runc the default. */
export function fakeDocker(over: Partial<DockerFacts> = {}): DockerFacts {
  return {
    address: 'unix:///var/run/docker.sock',
    serverVersion: '20.10.24',
    apiVersion: '1.41',
    containerdVersion: '1.6.20',
    runtimes: { runc: { path: 'runc' }, msb: { path: FAKE_RUNTIME } },
    defaultRuntime: 'runc',
    cgroupVersion: '2',
    cgroupDriver: 'systemd',
    experimental: true,
    ...over,
  };
}

const PROVIDER: KrunProvider = {
  packageDir: '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu',
  version: '0.6.18',
  msb: '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu/bin/msb',
  libkrunfw: '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu/lib/libkrunfw.so.5.6.1',
  libDir: '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu/lib',
};

/** fakeHost builds a DoctorHost from a spec over a healthy default host. */
export function fakeHost(spec: FakeHostSpec = {}): DoctorHost & { ran: string[]; removed: string[]; engine: FakeEngine } {
  const files: Record<string, string | undefined> = {
    '/etc/docker/daemon.json': JSON.stringify({ runtimes: { msb: { path: FAKE_RUNTIME } } }),
    '/proc/cpuinfo': 'flags\t\t: fpu vmx sse\n',
    [`${FAKE_CHECKOUT}/dist/create-helper.id`]: '0123456789abcdef\n',
    [`${FAKE_CHECKOUT}/dist/msb-create-client`]: '',
    ...spec.files,
  };
  const paths = new Set([FAKE_RUNTIME, FAKE_CHECKOUT, '/dev/kvm', ...(spec.paths ?? []), ...Object.keys(files).filter((f) => files[f] !== undefined)]);
  const which: Record<string, string | undefined> = {
    runsc: '/usr/bin/runsc',
    unshare: '/usr/bin/unshare',
    mount: '/usr/bin/mount',
    tini: '/usr/bin/tini',
    runc: '/usr/sbin/runc',
    nft: '/usr/sbin/nft',
    ...spec.which,
  };
  const commands: Record<string, string | RunResult> = {
    '/usr/bin/runsc --version': 'runsc version release-20240807.0\nspec: 1.1.0\n',
    [`${FAKE_RUNTIME} --version`]: 'runc version 0.1.0-msb\ncommit: msb-0.1.0-abc\n',
    '/usr/bin/tini --version': 'tini version 0.19.0\n',
    '/usr/sbin/runc --version': 'runc version 1.1.5\ncommit: x\n',
    [`${PROVIDER.msb} --version`]: 'msb 0.6.18\n',
    '/usr/sbin/nft --version': 'nftables v1.0.6 (Lester Gooch #5)\n',
    '/usr/sbin/nft add table inet msb_doctor_probe ; add chain inet msb_doctor_probe probe { type filter hook ingress device lo priority -500 ; policy accept ; }':
      '',
    '/usr/sbin/nft delete table inet msb_doctor_probe': '',
    ...spec.commands,
  };
  const ran: string[] = [];
  const removed: string[] = [];
  const engine = fakeEngine(spec.engine);
  const binaries: Record<string, Buffer> = { '/usr/bin/runsc': goBinary('go1.22.5'), ...spec.binaries };
  const resolve = (p: string): string | undefined => (spec.symlinks?.[p] !== undefined ? spec.symlinks[p] : paths.has(p) ? p : undefined);
  return {
    ran,
    removed,
    engine,
    readBytes: (p) => {
      const bytes = binaries[p];
      if (bytes === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return bytes;
    },
    dockerProbe: () => engine,
    now: () => Date.parse('2026-12-02T08:00:00Z'),
    randomToken: () => 'c0ffee00',
    docker: async () => {
      const d = spec.docker ?? fakeDocker();
      if (d instanceof Error) throw d;
      return d;
    },
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
    exists: (p) => resolve(p) !== undefined,
    realpath: resolve,
    isExecutable: (p) => paths.has(p),
    which: (c) => (c.includes('/') ? (paths.has(c) ? c : undefined) : which[c]),
    run: (command, args) => {
      const key = [command, ...args].join(' ');
      ran.push(key);
      const r = commands[key];
      if (r === undefined) return { status: null, stdout: '', stderr: '', error: `spawn ${command} ENOENT` };
      return typeof r === 'string' ? { status: 0, stdout: r, stderr: '' } : r;
    },
    isRoot: true,
    kernelRelease: '6.18.0',
    kvmFs: { exists: (p) => paths.has(p), canReadWrite: (p) => paths.has(p), readFile: (p) => files[p] ?? '' },
    findKrunProvider: () => PROVIDER,
    statfsType: (p) => (p === '/sys/fs/cgroup' ? CGROUP2_SUPER_MAGIC : undefined),
    makeTempDir: () => '/tmp/msb-doctor-test',
    removeDir: (p) => void removed.push(p),
    checkout: FAKE_CHECKOUT,
    daemonJsonPath: '/etc/docker/daemon.json',
    relayStatus: async () => ({ running: false, reason: 'no relay in the fake host' }),
    ...spec.host,
  };
}

/** fakeContext is a doctor context over fakeHost(spec), with no $MSB_POLICY. */
export function fakeContext(spec: FakeHostSpec = {}, options: DoctorOptions = {}): DoctorContext & { host: ReturnType<typeof fakeHost> } {
  const host = fakeHost(spec);
  return { ...createDoctorContext(host, options, {}), host };
}
