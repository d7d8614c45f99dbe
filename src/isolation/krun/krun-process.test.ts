import { describe, expect, it } from 'vitest';
import { dockerConfig } from '../../../test/support/docker-config.js';
import type { Spec } from '../../base/spec.js';
import { type KrunProcessContext, krunProcessSpec, VMM_ENV } from './krun-process.js';
import { planMounts } from './vm-mounts.js';

const fixture = dockerConfig();
const skip = 'skip' in fixture ? fixture.skip : undefined;
console.warn(
  skip ? `SKIP krunProcessSpec on Docker's config.json: ${skip}` : `krunProcessSpec on Docker's config.json from ${'source' in fixture ? fixture.source : ''}`,
);

const ctx = (spec: Spec, over: Partial<KrunProcessContext> = {}): KrunProcessContext => ({
  vmmRoot: '/run/docker/runtime-runc/moby/msb/containers/x/vmm-root',
  guestRootSource: '/var/lib/docker/overlay2/b99/merged',
  packageDir: '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu',
  tini: '/usr/bin/tini-static',
  entryScript: '/run/docker/runtime-runc/moby/msb/containers/x/entry.sh',
  hostLibraries: [{ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro', 'nosuid', 'nodev', 'rprivate'] }],
  vmmMounts: planMounts(spec.mounts ?? [], () => 'directory').vmm,
  msbArgs: ['run', '--name', 'c-x', '/msb/guest', '--', 'sleep', '100'],
  msbHomeSizeMiB: 64,
  ...over,
});

describe.skipIf(skip !== undefined)("krunProcessSpec on Docker's config.json", () => {
  const docker = JSON.parse('text' in fixture ? fixture.text : '{}') as Spec;
  const out = skip ? ({} as Spec) : krunProcessSpec(docker, ctx(docker));

  it("runs tini -g -- sh entry.sh msb run … as root in / with only msb's environment", () => {
    expect(out.process?.args).toEqual([
      '/msb/bin/tini',
      '-g',
      '--',
      '/bin/sh',
      '/msb/entry.sh',
      '/msb/pkg/bin/msb',
      'run',
      '--name',
      'c-x',
      '/msb/guest',
      '--',
      'sleep',
      '100',
    ]);
    expect(out.process?.env).toEqual(VMM_ENV);
    expect(out.process?.cwd).toBe('/');
    expect(out.process?.user).toEqual({ uid: 0, gid: 0 });
  });

  it("roots the VMM in msb's own read-only directory and binds the rootfs non-recursively at /msb/guest", () => {
    expect(out.root).toEqual({ path: '/run/docker/runtime-runc/moby/msb/containers/x/vmm-root', readonly: true });
    expect(out.mounts?.find((m) => m.destination === '/msb/guest')).toEqual({
      destination: '/msb/guest',
      type: 'bind',
      source: '/var/lib/docker/overlay2/b99/merged',
      options: ['bind', 'private'],
    });
  });

  it("keeps the kernel filesystems and Docker's /etc files, adds msb, tini, the entry script, host libraries and two tmpfs", () => {
    expect(out.mounts?.map((m) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/sys',
      '/sys/fs/cgroup',
      '/dev/mqueue',
      '/dev/shm',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/etc/hosts',
      '/usr',
      '/msb/pkg',
      '/msb/bin/tini',
      '/msb/entry.sh',
      '/msb/home',
      '/tmp',
      '/msb/guest',
    ]);
    for (const d of ['/msb/pkg', '/msb/bin/tini', '/msb/entry.sh']) expect(out.mounts?.find((m) => m.destination === d)?.options).toContain('ro');
    expect(out.mounts?.find((m) => m.destination === '/msb/home')).toMatchObject({ type: 'tmpfs', options: ['nosuid', 'nodev', 'mode=0700', 'size=64m'] });
  });

  it("gives the VMM none of the workload's rlimits (they go into the guest through msb run --rlimit)", () => {
    const limited = { ...docker, process: { ...docker.process, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }] } };
    expect(krunProcessSpec(limited, ctx(limited)).process?.rlimits).toBeUndefined();
  });

  it("adds /dev/kvm and its cgroup rule after Docker's own rules", () => {
    const linux = out.linux as { devices: unknown[]; resources: { devices: unknown[] } };
    expect(linux.devices).toEqual([{ path: '/dev/kvm', type: 'c', major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 0 }]);
    expect(linux.resources.devices.at(-1)).toEqual({ allow: true, type: 'c', major: 10, minor: 232, access: 'rwm' });
    expect(linux.resources.devices.slice(0, -1)).toEqual((docker.linux as { resources: { devices: unknown[] } }).resources.devices);
  });

  it('keeps hooks, namespaces, seccomp, capabilities, hostname and every other field', () => {
    expect(out.hooks).toEqual(docker.hooks);
    expect(out.hostname).toBe(docker.hostname);
    expect(out.process?.capabilities).toEqual(docker.process?.capabilities);
    const { devices: _d, resources: _r, ...rest } = out.linux as Record<string, unknown>;
    const { devices: _d2, resources: _r2, ...restIn } = docker.linux as Record<string, unknown>;
    expect(rest).toEqual(restIn);
    expect(docker.process?.args).toEqual(['sleep', '100']); // the input is not modified
  });

  it('binds the docker volume image when there is one', () => {
    const withVolume = krunProcessSpec(docker, ctx(docker, { dockerVolumeImage: '/var/lib/msb/volumes/x.img' }));
    expect(withVolume.mounts?.at(-1)).toEqual({
      destination: '/msb/volumes/docker.img',
      type: 'bind',
      source: '/var/lib/msb/volumes/x.img',
      options: ['bind', 'private'],
    });
  });
});
