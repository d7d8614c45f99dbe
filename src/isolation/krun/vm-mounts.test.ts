import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import type { Mount } from '../../base/spec.js';
import { type GuestMount, type MountKind, planMounts, tmpfsSizeMiB } from './vm-mounts.js';

const kinds: Record<string, MountKind> = { '/srv/data': 'directory', '/srv/app.conf': 'file', '/run/x.sock': 'socket' };
const kindOf = (s: string): MountKind => kinds[s] ?? 'missing';
const bind = (source: string, destination: string, options = ['rbind', 'rprivate']): Mount => ({ destination, type: 'bind', source, options });

describe('tmpfsSizeMiB', () => {
  it.each<[string[], number | undefined]>([
    [[], undefined],
    [['size=67108864'], 64],
    [['size=64m'], 64],
    [['size=65536k'], 64],
    [['size=1g'], 1024],
    [['size=1'], 1],
    [['size=10%'], undefined],
  ])('%j → %s MiB', (options, mib) => {
    expect(tmpfsSizeMiB(options)).toBe(mib);
  });
});

describe('planMounts', () => {
  it.each<{ name: string; mount: Mount; vmm?: Mount; guest?: GuestMount }>([
    {
      name: 'proc stays with the VMM',
      mount: { destination: '/proc', type: 'proc', source: 'proc' },
      vmm: { destination: '/proc', type: 'proc', source: 'proc' },
    },
    {
      name: 'sysfs stays with the VMM',
      mount: { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
      vmm: { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
    },
    {
      name: 'cgroup stays with the VMM',
      mount: { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
      vmm: { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
    },
    {
      name: 'the /dev tmpfs stays with the VMM',
      mount: { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
      vmm: { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
    },
    {
      name: '/dev/shm stays with the VMM (msb needs it)',
      mount: { destination: '/dev/shm', type: 'tmpfs', source: 'shm' },
      vmm: { destination: '/dev/shm', type: 'tmpfs', source: 'shm' },
    },
    {
      name: 'a shm bind (--ipc shareable) stays with the VMM',
      mount: bind('/var/lib/docker/containers/x/mounts/shm', '/dev/shm'),
      vmm: bind('/var/lib/docker/containers/x/mounts/shm', '/dev/shm'),
    },
    {
      name: 'resolv.conf stays with the VMM only (msb forwards DNS to its servers)',
      mount: bind('/d/resolv.conf', '/etc/resolv.conf'),
      vmm: bind('/d/resolv.conf', '/etc/resolv.conf'),
    },
    {
      name: 'hosts goes on to the guest',
      mount: bind('/d/hosts', '/etc/hosts'),
      vmm: bind('/d/hosts', '/etc/hosts'),
      guest: { kind: 'file', source: '/etc/hosts', destination: '/etc/hosts', readonly: false },
    },
    {
      name: 'hostname goes on to the guest',
      mount: bind('/d/hostname', '/etc/hostname'),
      vmm: bind('/d/hostname', '/etc/hostname'),
      guest: { kind: 'file', source: '/etc/hostname', destination: '/etc/hostname', readonly: false },
    },
    {
      name: 'a directory bind',
      mount: bind('/srv/data', '/data'),
      vmm: bind('/srv/data', '/msb/mounts/0'),
      guest: { kind: 'dir', source: '/msb/mounts/0', destination: '/data', readonly: false },
    },
    {
      name: 'a read-only file bind',
      mount: bind('/srv/app.conf', '/etc/app.conf', ['rbind', 'ro']),
      vmm: bind('/srv/app.conf', '/msb/mounts/0', ['rbind', 'ro']),
      guest: { kind: 'file', source: '/msb/mounts/0', destination: '/etc/app.conf', readonly: true },
    },
    {
      name: 'a bind with nosuid and noexec',
      mount: bind('/srv/data', '/data', ['rbind', 'nosuid', 'noexec', 'rprivate']),
      vmm: bind('/srv/data', '/msb/mounts/0', ['rbind', 'nosuid', 'noexec', 'rprivate']),
      guest: { kind: 'dir', source: '/msb/mounts/0', destination: '/data', readonly: false, flags: ['nosuid', 'noexec'] },
    },
    {
      name: 'a bind given by options only',
      mount: { destination: '/data', source: '/srv/data', options: ['bind'] },
      vmm: { destination: '/msb/mounts/0', source: '/srv/data', options: ['bind'] },
      guest: { kind: 'dir', source: '/msb/mounts/0', destination: '/data', readonly: false },
    },
    {
      name: 'a tmpfs (--tmpfs /cache:size=64m)',
      mount: { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=64m', 'mode=1777', 'noexec'] },
      guest: { kind: 'tmpfs', destination: '/cache', sizeMiB: 64, options: ['nosuid', 'noexec'] },
    },
    {
      name: 'a tmpfs without a size',
      mount: { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['ro'] },
      guest: { kind: 'tmpfs', destination: '/run', options: ['ro'] },
    },
  ])('$name', ({ mount, vmm, guest }) => {
    const plan = planMounts([mount], kindOf);
    expect(plan.vmm).toEqual(vmm ? [vmm] : []);
    expect(plan.guest).toEqual(guest ? [guest] : []);
  });

  it('numbers bind sources in order and notes propagation it cannot carry', () => {
    const plan = planMounts([bind('/srv/data', '/a'), bind('/srv/app.conf', '/b', ['rbind', 'rshared'])], kindOf);
    expect(plan.guest.map((g) => ('source' in g ? g.source : ''))).toEqual(['/msb/mounts/0', '/msb/mounts/1']);
    expect(plan.notes).toEqual(['mount /b: propagation rshared does not cross into the guest']);
  });

  it.each<{ name: string; mount: Mount; code: string; message: RegExp }>([
    {
      name: 'a socket (policy allowed it)',
      mount: bind('/run/x.sock', '/x.sock'),
      code: 'unsupported',
      message: /^krun: socket \/run\/x\.sock \(bind-mounted at \/x\.sock\) cannot be served in a microVM: virtio-fs does not carry Unix sockets/,
    },
    {
      name: 'a missing source',
      mount: bind('/nope', '/data'),
      code: 'invalid-spec',
      message: /^krun: bind mount source \/nope \(for \/data\) does not exist$/,
    },
    {
      name: 'a bind over /sys',
      mount: bind('/srv/data', '/sys/fs/cgroup/x'),
      code: 'unsupported',
      message: /^krun: a mount at \/sys\/fs\/cgroup\/x cannot reach the guest: it has its own kernel/,
    },
    { name: 'a bind under /proc', mount: bind('/srv/data', '/proc/x'), code: 'unsupported', message: /mount at \/proc\/x cannot reach the guest/ },
    {
      name: 'an overlay mount',
      mount: { destination: '/o', type: 'overlay', source: 'overlay' },
      code: 'unsupported',
      message: /^krun: mount type overlay at \/o is not supported in a microVM/,
    },
    { name: 'a destination with a colon', mount: bind('/srv/data', '/a:b'), code: 'invalid-spec', message: /contains ':' or ','/ },
    { name: 'a tmpfs with a comma', mount: { destination: '/a,b', type: 'tmpfs', source: 'tmpfs' }, code: 'invalid-spec', message: /tmpfs \/a,b contains/ },
  ])('refuses $name', ({ mount, code, message }) => {
    let err: unknown;
    try {
      planMounts([mount], kindOf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe(code);
    expect((err as MsbError).message).toMatch(message);
  });
});
