import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerConfig } from '../../../test/support/docker-config.js';
import { sharedSkipReason, specExample } from '../../../test/support/paths.js';
import type { Spec } from '../../base/spec.js';
import { DEFAULT_KRUN_POLICY, withDefaults } from '../policy.js';
import { PEERS_PLACEHOLDER } from './vmm-entry.js';
import { msbRunArgs } from './msb-run-args.js';
import { refuseUnsupported, sandboxName, type TranslateContext, translateToVmConfig } from './vm-config.js';
import { thrownMsbError } from '../../../test/support/msb-error.js';

const ID = '1f4522750550354974189baabbda37f59901d4ea83917989b684acf109bd5655';
const ctx = (over: Partial<TranslateContext> = {}): TranslateContext => ({
  id: ID,
  krun: DEFAULT_KRUN_POLICY,
  kindOf: () => 'directory',
  ports: [],
  nameservers: ['127.0.0.11'],
  ...over,
});

function base(over: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sleep', '1'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: 'network' }, { type: 'mount' }] },
    ...over,
  };
}

const fixture = dockerConfig();
const dockerSkip = 'skip' in fixture ? fixture.skip : undefined;
console.warn(
  dockerSkip
    ? `SKIP krun translation of Docker's config.json: ${dockerSkip}`
    : `krun translation of Docker's config.json from ${'source' in fixture ? fixture.source : ''}`,
);

describe.skipIf(dockerSkip !== undefined)("translateToVmConfig on Docker's config.json", () => {
  it('process, hostname, hosts files, DNS, network', () => {
    const docker = JSON.parse('text' in fixture ? fixture.text : '{}') as Spec;
    const hostname = docker.hostname ?? '';
    expect(hostname).toMatch(/^[0-9a-f]{12}$/);
    expect(docker.process?.env).toContain(`HOSTNAME=${hostname}`);
    const vm = translateToVmConfig(
      docker,
      ctx({
        ports: [
          { port: 80, protocol: 'tcp' },
          { port: 53, protocol: 'udp' },
        ],
      }),
    );
    expect(vm).toEqual({
      name: 'c-1f4522750550',
      rootfs: '/msb/guest',
      args: ['sleep', '100'],
      env: docker.process?.env,
      cwd: '/',
      user: '0:0',
      terminal: false,
      hostname,
      rlimits: [],
      resources: { notes: ["memory: no limit, msb's default guest RAM", "cpus: no quota or cpuset, msb's default vCPU count"] },
      mounts: [
        { kind: 'file', source: '/etc/hostname', destination: '/etc/hostname', readonly: false },
        { kind: 'file', source: '/etc/hosts', destination: '/etc/hosts', readonly: false },
      ],
      ports: ['0.0.0.0:80:80', '0.0.0.0:53:53/udp'],
      network: {
        egress: 'allow-all',
        args: ['--net', 'all', '--no-dns-rebind-protection'],
        peersAtStart: false,
        ipv4Pool: '100.64.0.0/16',
        nameservers: ['127.0.0.11'],
      },
      notes: [],
    });
  });
});

const skip = sharedSkipReason();
if (skip) console.warn(`SKIP krun translation of the spec's examples: ${skip}`);

describe.skipIf(skip !== undefined)("translateToVmConfig on the spec's examples", () => {
  const example = (...p: string[]): Spec => JSON.parse(readFileSync(specExample(...p), 'utf8')) as Spec;

  it("the spec's full example is refused for its devices, and translated without them", () => {
    const full = example('config', 'good', 'spec-example.json');
    expect(thrownMsbError(() => translateToVmConfig(full, ctx())).message).toBe(
      'krun: host devices (--device, /dev/fuse, /dev/sda) cannot be passed into a microVM',
    );
    const linux = { ...full.linux, devices: [] };
    expect(thrownMsbError(() => translateToVmConfig({ ...full, linux }, ctx())).message).toMatch(/read-only root filesystem/);
    const vm = translateToVmConfig({ ...full, linux, root: { ...full.root, readonly: false } }, ctx());
    expect(vm).toMatchObject({
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      user: '1:1',
      terminal: true,
      hostname: 'slartibartfast',
      rlimits: ['core=1024:1024', 'nofile=1024:1024'],
      // 512 MiB limit and reservation - 96 MiB headroom; quota 1000000 / period 500000.
      resources: { memoryMiB: 416, cpus: 2 },
      mounts: [],
    });
    expect(vm.notes).toContain('user: additional groups 5,6 are not passed to the guest (msb takes uid:gid)');
  });

  it.each(['minimal.json', 'linux-rdma.json', 'linux-netdevice.json'])("the spec's %s has no process or network namespace and is refused", (file) => {
    expect(() => translateToVmConfig(example('config', 'good', file), ctx())).toThrow(/krun: /);
  });

  it("the spec's minimal-for-start.json is refused: it shares the host network namespace", () => {
    expect(thrownMsbError(() => translateToVmConfig(example('config', 'good', 'minimal-for-start.json'), ctx())).message).toMatch(/host network namespace/);
  });
});

describe('translateToVmConfig fields', () => {
  it.each<{ name: string; spec: Spec; c?: Partial<TranslateContext>; want: Record<string, unknown> }>([
    { name: 'uid:gid of --user 1000:1000', spec: base({ process: { args: ['id'], user: { uid: 1000, gid: 1000 } } }), want: { user: '1000:1000' } },
    { name: 'a missing user is root', spec: base({ process: { args: ['id'] } }), want: { user: '0:0', cwd: '/', env: [], terminal: false } },
    { name: 'cwd of --workdir', spec: base({ process: { args: ['pwd'], cwd: '/srv' } }), want: { cwd: '/srv' } },
    { name: 'terminal of -t', spec: base({ process: { args: ['sh'], terminal: true } }), want: { terminal: true } },
    {
      name: 'rlimits of --ulimit',
      spec: base({ process: { args: ['sh'], rlimits: [{ type: 'RLIMIT_NPROC', soft: 64, hard: 128 }] } }),
      want: { rlimits: ['nproc=64:128'] },
    },
    { name: 'no hostname', spec: base(), want: { hostname: undefined } },
    {
      name: 'the rebind switch and pool from policy',
      spec: base(),
      c: { krun: { ...DEFAULT_KRUN_POLICY, dnsRebindProtection: true, ipv4Pool: '10.250.0.0/16' } },
      want: { network: { egress: 'allow-all', args: ['--net', 'all'], peersAtStart: false, ipv4Pool: '10.250.0.0/16', nameservers: ['127.0.0.11'] } },
    },
    {
      name: 'a docker volume from policy',
      spec: base(),
      c: { krun: { ...DEFAULT_KRUN_POLICY, dockerVolumeMiB: 4096 } },
      want: { dockerVolume: { image: '/msb/volumes/docker.img', destination: '/var/lib/docker', sizeMiB: 4096 } },
    },
    {
      name: 'the docker volume annotation overrides policy',
      spec: base({ annotations: { 'io.msb.krun.docker-volume': '0' } }),
      c: { krun: { ...DEFAULT_KRUN_POLICY, dockerVolumeMiB: 4096 } },
      want: { dockerVolume: undefined },
    },
  ])('$name', ({ spec, c, want }) => {
    const vm = translateToVmConfig(spec, ctx(c));
    for (const [k, v] of Object.entries(want)) expect(vm[k as keyof typeof vm], k).toEqual(v);
  });

  it.each<{ name: string; spec: Spec; code: string; message: RegExp }>([
    {
      name: '--network host',
      spec: base({ linux: { namespaces: [{ type: 'mount' }] } }),
      code: 'forbidden',
      message: /^krun: the container would share the host network namespace \(--network host\)/,
    },
    {
      name: '--privileged',
      spec: base({ linux: { namespaces: [{ type: 'network' }], resources: { devices: [{ allow: true, access: 'rwm' }] } } }),
      code: 'unsupported',
      message: /^krun: --privileged is not supported/,
    },
    {
      name: '--device',
      spec: base({ linux: { namespaces: [{ type: 'network' }], devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] } }),
      code: 'unsupported',
      message: /^krun: host devices \(--device, \/dev\/fuse\)/,
    },
    { name: '--read-only', spec: base({ root: { path: 'rootfs', readonly: true } }), code: 'unsupported', message: /--read-only/ },
    { name: 'no process', spec: base({ process: { args: [] } }), code: 'invalid-spec', message: /no process\.args/ },
    {
      name: 'an rlimit msb does not know',
      spec: base({ process: { args: ['sh'], rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] } }),
      code: 'unsupported',
      message: /^krun: rlimit RLIMIT_BOGUS is not supported by msb/,
    },
    {
      name: 'a docker volume over a mounted /var/lib/docker',
      spec: base({
        annotations: { 'io.msb.krun.docker-volume': '100' },
        mounts: [{ destination: '/var/lib/docker', type: 'bind', source: '/srv', options: ['rbind'] }],
      }),
      code: 'invalid-spec',
      message: /both mounted and requested/,
    },
  ])('refuses $name', ({ spec, code, message }) => {
    const err = thrownMsbError(() => translateToVmConfig(spec, ctx()));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('refuseUnsupported accepts an ordinary Docker container', () => {
    expect(() => refuseUnsupported(base())).not.toThrow();
  });

  it('sandboxName is short and derived from the id', () => {
    expect(sandboxName(ID)).toBe('c-1f4522750550');
  });
});

describe('msbRunArgs', () => {
  it('spells every VmConfig field as an msb run flag', () => {
    const vm = translateToVmConfig(
      base({
        hostname: 'web',
        process: {
          args: ['nginx', '-g', 'daemon off;'],
          env: ['A=1', 'B=two words'],
          cwd: '/srv',
          user: { uid: 33, gid: 33 },
          terminal: true,
          rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }],
        },
        linux: {
          namespaces: [{ type: 'network' }],
          resources: { memory: { limit: 1024 * 1024 * 1024, reservation: 256 * 1024 * 1024 }, cpu: { quota: 200000, period: 100000 } },
        },
        mounts: [
          { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro', 'nodev'] },
          { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: ['size=64m', 'noexec'] },
          { destination: '/scratch', type: 'tmpfs', source: 'tmpfs' },
          // docker run --tmpfs /run: Docker adds these options but no size, and msb refuses an empty size.
          { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev'] },
        ],
        annotations: { 'io.msb.krun.docker-volume': '2048' },
      }),
      ctx({ ports: [{ port: 80, protocol: 'tcp' }], nameservers: ['127.0.0.11', '10.0.0.2'] }),
    );
    expect(msbRunArgs(vm)).toEqual([
      'run',
      '--name',
      'c-1f4522750550',
      '-q',
      '--pull',
      'never',
      '--log-level',
      'info',
      '--cpus',
      '2',
      '--memory',
      '256M',
      '--max-memory',
      '928M',
      '--hostname',
      'web',
      '--user',
      '33:33',
      '--workdir',
      '/srv',
      '--tty',
      '--env',
      'A=1',
      '--env',
      'B=two words',
      '--rlimit',
      'nofile=1024:4096',
      '--mount-dir',
      '/msb/mounts/0:/data:ro,nodev',
      '--tmpfs',
      '/cache:64M:noexec',
      '--tmpfs',
      '/scratch',
      '--tmpfs',
      '/run:128M:noexec,nosuid,nodev',
      '--mount-disk',
      '/msb/volumes/docker.img:/var/lib/docker:fstype=ext4',
      '--net',
      'all',
      '--no-dns-rebind-protection',
      '--net-ipv4-pool',
      '100.64.0.0/16',
      '--dns-nameserver',
      '127.0.0.11',
      '--dns-nameserver',
      '10.0.0.2',
      '--port',
      '0.0.0.0:80:80',
      '/msb/guest',
      '--',
      'nginx',
      '-g',
      'daemon off;',
    ]);
  });

  it('leaves msb its defaults when nothing is sized, and keeps rebind protection when policy asks', () => {
    const args = msbRunArgs(translateToVmConfig(base(), ctx({ nameservers: [], krun: { ...DEFAULT_KRUN_POLICY, dnsRebindProtection: true } })));
    expect(args).not.toContain('--memory');
    expect(args).not.toContain('--cpus');
    expect(args).not.toContain('--no-dns-rebind-protection');
    expect(args).toContain('--no-tty');
    expect(args.slice(-4)).toEqual(['/msb/guest', '--', 'sleep', '1']);
  });

  it("carries the egress profile's flags, with the peers placeholder after the profile's rules", () => {
    const egress = withDefaults({}, 'p').egress.profiles['public-only'];
    const args = msbRunArgs(translateToVmConfig(base(), ctx({ nameservers: [], egress })));
    const at = args.indexOf('--net-default-egress');
    expect(args.slice(at, at + 10)).toEqual([
      '--net-default-egress',
      'deny',
      '--net-rule',
      'allow@dns',
      '--net-rule',
      'allow@public',
      '--no-dns-rebind-protection',
      PEERS_PLACEHOLDER,
      '--net-ipv4-pool',
      '100.64.0.0/16',
    ]);
    expect(args).not.toContain('all');
  });
});
