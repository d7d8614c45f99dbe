// A healthy host for doctor's unit tests; each test overrides the part it is about.
import type { KrunProvider } from '../../isolation/krun/provider.js';
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
  host?: Partial<DoctorHost>;
}

/** fakeDocker is an engine with runc and this checkout's msb, runc the default. */
export function fakeDocker(over: Partial<DockerFacts> = {}): DockerFacts {
  return {
    address: 'unix:///var/run/docker.sock',
    serverVersion: '20.10.24',
    apiVersion: '1.41',
    runtimes: { runc: { path: 'runc' }, msb: { path: FAKE_RUNTIME } },
    defaultRuntime: 'runc',
    cgroupVersion: '2',
    cgroupDriver: 'systemd',
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
export function fakeHost(spec: FakeHostSpec = {}): DoctorHost & { ran: string[]; removed: string[] } {
  const files: Record<string, string | undefined> = {
    '/etc/docker/daemon.json': JSON.stringify({ runtimes: { msb: { path: FAKE_RUNTIME } } }),
    '/proc/cpuinfo': 'flags\t\t: fpu vmx sse\n',
    ...spec.files,
  };
  const paths = new Set([FAKE_RUNTIME, FAKE_CHECKOUT, '/dev/kvm', ...(spec.paths ?? []), ...Object.keys(files).filter((f) => files[f] !== undefined)]);
  const which: Record<string, string | undefined> = { runsc: '/usr/bin/runsc', unshare: '/usr/bin/unshare', mount: '/usr/bin/mount', tini: '/usr/bin/tini', runc: '/usr/sbin/runc', ...spec.which };
  const commands: Record<string, string | RunResult> = {
    '/usr/bin/runsc --version': 'runsc version release-20240807.0\nspec: 1.1.0\n',
    [`${FAKE_RUNTIME} --version`]: 'runc version 0.1.0-msb\ncommit: msb-0.1.0-abc\n',
    '/usr/bin/tini --version': 'tini version 0.19.0\n',
    '/usr/sbin/runc --version': 'runc version 1.1.5\ncommit: x\n',
    [`${PROVIDER.msb} --version`]: 'msb 0.6.18\n',
    ...spec.commands,
  };
  const ran: string[] = [];
  const removed: string[] = [];
  const resolve = (p: string): string | undefined => (spec.symlinks?.[p] !== undefined ? spec.symlinks[p] : paths.has(p) ? p : undefined);
  return {
    ran,
    removed,
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
