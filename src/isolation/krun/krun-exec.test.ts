import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import { findControlSocket } from './control-client.js';
import { krunExecProcess } from './krun-exec.js';
import { VMM_ENV } from './krun-process.js';
import { type MemoryState, planResize } from './resize-plan.js';

describe('krunExecProcess', () => {
  it.each<{ name: string; p: Parameters<typeof krunExecProcess>[0]; args: string[] }>([
    {
      name: 'docker exec -it -u 1000:100 -w /srv -e A=1 c sh',
      p: { args: ['sh'], terminal: true, user: { uid: 1000, gid: 100 }, cwd: '/srv', env: ['PATH=/bin', 'A=1'] },
      args: [
        '/msb/pkg/bin/msb',
        'exec',
        '--quiet',
        '--tty',
        '--user',
        '1000:100',
        '--workdir',
        '/srv',
        '--env',
        'PATH=/bin',
        '--env',
        'A=1',
        'c-x',
        '--',
        'sh',
      ],
    },
    {
      name: 'docker exec -i c cat (no tty: streamed, root, no cwd)',
      p: { args: ['cat', '-'] },
      args: ['/msb/pkg/bin/msb', 'exec', '--quiet', '--stream', '--user', '0:0', '--workdir', '/', 'c-x', '--', 'cat', '-'],
    },
    {
      name: 'arguments that look like msb flags stay after --',
      p: { args: ['sh', '-c', 'echo --tty'], env: [] },
      args: ['/msb/pkg/bin/msb', 'exec', '--quiet', '--stream', '--user', '0:0', '--workdir', '/', 'c-x', '--', 'sh', '-c', 'echo --tty'],
    },
  ])('$name', ({ p, args }) => {
    const out = krunExecProcess({ ...p, capabilities: { bounding: ['CAP_KILL'] } }, 'c-x');
    expect(out.args).toEqual(args);
    expect(out.env).toEqual(VMM_ENV);
    expect(out.user).toEqual({ uid: 0, gid: 0 });
    expect(out.cwd).toBe('/');
    expect(out.terminal).toBe(p.terminal);
    expect(out.capabilities).toEqual({ bounding: ['CAP_KILL'] });
  });

  it('refuses a process without args', () => {
    expect(() => krunExecProcess({ args: [] }, 'c-x')).toThrow(MsbError);
  });
});

describe('planResize', () => {
  const MiB = 1024 * 1024;
  const mem: MemoryState = { boot_mib: 256, target_mib: 416, current_mib: 416, max_mib: 928 };
  it.each<{ name: string; update: Parameters<typeof planResize>[3]; steps: unknown[] }>([
    {
      name: 'grow: cgroup first, then the guest',
      update: { memoryLimit: 1024 * MiB },
      steps: [{ kind: 'cgroup' }, { kind: 'memory', totalMiB: 928, waitForRelease: false }],
    },
    {
      name: 'shrink: the guest first (and wait), then the cgroup',
      update: { memoryLimit: 400 * MiB },
      steps: [{ kind: 'memory', totalMiB: 304, waitForRelease: true }, { kind: 'cgroup' }],
    },
    { name: 'the same size: only the cgroup', update: { memoryLimit: 512 * MiB }, steps: [{ kind: 'cgroup' }] },
    { name: 'cpus only', update: { cpuQuota: 150000, cpuPeriod: 100000 }, steps: [{ kind: 'cgroup' }, { kind: 'cpus', online: 2 }] },
    { name: 'no memory or cpu change (pids, blkio …)', update: {}, steps: [{ kind: 'cgroup' }] },
    {
      name: 'shrink and cpus',
      update: { memoryLimit: 400 * MiB, cpuQuota: 100000, cpuPeriod: 100000 },
      steps: [{ kind: 'memory', totalMiB: 304, waitForRelease: true }, { kind: 'cgroup' }, { kind: 'cpus', online: 1 }],
    },
  ])('$name', ({ update, steps }) => {
    expect(planResize(mem, 96, 2, update)).toEqual(steps);
  });

  it.each<{ name: string; update: Parameters<typeof planResize>[3]; message: RegExp }>([
    {
      name: 'growing past the boot-time maximum',
      update: { memoryLimit: 2048 * MiB },
      message: /^krun: cannot grow the guest to 1952 MiB .* it booted with a maximum of 928 MiB/,
    },
    {
      name: 'shrinking below the boot memory',
      update: { memoryLimit: 300 * MiB },
      message: /^krun: cannot shrink the guest to 204 MiB .* below its boot memory of 256 MiB$/,
    },
    {
      name: 'more vCPUs than the guest booted with',
      update: { cpuQuota: 400000, cpuPeriod: 100000 },
      message: /^krun: cannot bring 4 vCPUs online: the guest booted with 2 possible vCPUs$/,
    },
  ])('refuses $name', ({ update, message }) => {
    expect(() => planResize(mem, 96, 2, update)).toThrow(message);
  });
});

describe('findControlSocket', () => {
  it("finds control.sock beside agent.sock through the VMM's /proc/<pid>/root", () => {
    const tree: Record<string, string[]> = {
      '/proc/42/root/msb/home/run/sandboxes': ['a1', 'b2'],
      '/proc/42/root/msb/home/run/sandboxes/a1': ['agent.sock'],
      '/proc/42/root/msb/home/run/sandboxes/b2': ['agent.sock', 'control.sock'],
    };
    expect(findControlSocket(42, (d) => tree[d] ?? [])).toBe('/proc/42/root/msb/home/run/sandboxes/b2/control.sock');
  });
  it('says the microVM is not running when there is none', () => {
    expect(() => findControlSocket(42, () => [])).toThrow(
      /control socket was not found under \/proc\/42\/root\/msb\/home\/run\/sandboxes \(the microVM is not running\)/,
    );
  });
});
