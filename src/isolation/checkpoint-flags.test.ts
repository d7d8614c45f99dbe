import { describe, expect, it } from 'vitest';
import { parseRuntimeArgv } from '../oci/argv.js';
import { MsbError } from '../base/errors.js';
import { CHECKPOINT_FLAGS, checkpointFlagsOf, runscCheckpointArgs } from './checkpoint-flags.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe('unsupported');
    return (err as MsbError).message;
  }
  throw new Error('expected a refusal');
}

/** parsed runs a command line through the runtime's own argv table, as the Node half does. */
function parsed(argv: string[]): Record<string, string | boolean> {
  return parseRuntimeArgv(argv).flags;
}

const IMG = '/run/containerd/io.containerd.runtime.v2.task/moby/abc/checkpoint';
const WORK = '/run/containerd/io.containerd.runtime.v2.task/moby/abc/criu-work';

describe('runscCheckpointArgs: what containerd-shim-runc-v2 passes', () => {
  it('docker checkpoint create (exit): image path passed, work path a no-op', () => {
    const flags = parsed(['checkpoint', '--image-path', IMG, '--work-path', WORK, 'abc']);
    expect(runscCheckpointArgs('checkpoint', flags)).toEqual({ args: ['--image-path', IMG], noOps: [`--work-path ${WORK}`] });
  });

  it('docker checkpoint create --leave-running: --leave-running passed', () => {
    const flags = parsed(['checkpoint', '--image-path', IMG, '--work-path', WORK, '--leave-running', 'abc']);
    expect(runscCheckpointArgs('checkpoint', flags).args).toEqual(['--image-path', IMG, '--leave-running']);
  });

  it('docker start --checkpoint (go-runc RestoreOpts, -no-subreaper with one dash): msb keeps bundle, pid file, console', () => {
    const argv = [
      'restore',
      '--image-path',
      IMG,
      '--work-path',
      WORK,
      '--detach',
      '--pid-file',
      '/b/init.pid',
      '--console-socket',
      '/tmp/pty.sock',
      '-no-subreaper',
      '--bundle',
      '/b',
      'abc',
    ];
    const flags = parsed(argv);
    expect(flags['pid-file']).toBe('/b/init.pid');
    expect(flags.bundle).toBe('/b');
    expect(runscCheckpointArgs('restore', flags)).toEqual({ args: ['--image-path', IMG, '--detach'], noOps: [`--work-path ${WORK}`, '--no-subreaper'] });
  });

  it('no --image-path: ./checkpoint, as runc', () => {
    expect(runscCheckpointArgs('checkpoint', {}, '/here').args).toEqual(['--image-path', '/here/checkpoint']);
  });
});

describe('runscCheckpointArgs: no-ops (runsc does it on its own, or the result is the same)', () => {
  const cases: Array<[string, string[]]> = [
    ['checkpoint', ['--tcp-established']],
    ['checkpoint', ['--ext-unix-sk']],
    ['checkpoint', ['--shell-job']],
    ['checkpoint', ['--file-locks']],
    ['checkpoint', ['--parent-path', '/parent']],
    ['checkpoint', ['--auto-dedup']],
    ['checkpoint', ['--manage-cgroups-mode', 'soft']],
    ['checkpoint', ['--manage-cgroups-mode', 'ignore']],
    ['checkpoint', ['--empty-ns', 'network']],
    ['restore', ['--no-pivot']],
    ['restore', ['--tcp-established', '--shell-job', '--file-locks', '--ext-unix-sk']],
  ];
  it.each(cases)('%s %j is accepted and not passed to runsc', (command, extra) => {
    const r = runscCheckpointArgs(command as 'checkpoint' | 'restore', parsed([command, '--image-path', IMG, ...extra, 'abc']));
    expect(r.args).toEqual(['--image-path', IMG]);
    expect(r.noOps.length).toBeGreaterThan(0);
  });
});

describe('runscCheckpointArgs: refused, with the reason', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['checkpoint', ['--pre-dump'], /--pre-dump is not supported: runsc has no memory-only pre-dump/],
    ['checkpoint', ['--lazy-pages'], /no lazy restore/],
    ['restore', ['--lazy-pages'], /no lazy restore/],
    ['checkpoint', ['--status-fd', '3'], /lazy-pages readiness/],
    ['checkpoint', ['--page-server', '10.0.0.1:27'], /page server/],
    ['checkpoint', ['--manage-cgroups-mode', 'full'], /--manage-cgroups-mode full is not supported: runsc sets the sandbox's host cgroup from config.json/],
    ['restore', ['--manage-cgroups-mode', 'strict'], /cannot save or restore cgroup properties/],
    ['checkpoint', ['--empty-ns', 'pid'], /--empty-ns pid is not supported: .*only network is accepted/],
    ['restore', ['--lsm-profile', 'apparmor:x'], /AppArmor or SELinux/],
    ['restore', ['--lsm-mount-context', 'system_u:object_r:x'], /AppArmor or SELinux/],
  ];
  it.each(cases)('%s %j', (command, extra, reason) => {
    expect(refusal(() => runscCheckpointArgs(command as 'checkpoint' | 'restore', parsed([command, ...extra, 'abc'])))).toMatch(reason);
  });
});

describe('the flag table', () => {
  it('every flag runc checkpoint and restore define is in the argv table (unknown flags fail to parse)', () => {
    for (const name of [
      'image-path',
      'work-path',
      'parent-path',
      'leave-running',
      'tcp-established',
      'ext-unix-sk',
      'shell-job',
      'lazy-pages',
      'status-fd',
      'page-server',
      'file-locks',
      'pre-dump',
      'manage-cgroups-mode',
      'empty-ns',
      'auto-dedup',
    ]) {
      expect(checkpointFlagsOf('checkpoint').map((f) => f.name)).toContain(name);
    }
    for (const name of [
      'console-socket',
      'image-path',
      'work-path',
      'tcp-established',
      'ext-unix-sk',
      'shell-job',
      'file-locks',
      'manage-cgroups-mode',
      'bundle',
      'detach',
      'pid-file',
      'no-subreaper',
      'no-pivot',
      'empty-ns',
      'auto-dedup',
      'lazy-pages',
      'lsm-profile',
      'lsm-mount-context',
    ]) {
      expect(checkpointFlagsOf('restore').map((f) => f.name)).toContain(name);
    }
    expect(() => parsed(['checkpoint', '--no-such-flag', 'abc'])).toThrow(/flag provided but not defined: --no-such-flag/);
  });

  it('every no-op and refusal says why', () => {
    for (const f of CHECKPOINT_FLAGS) if (f.gvisor.kind !== 'runsc') expect(f.gvisor.why.length).toBeGreaterThan(20);
  });

  it('runsc gets only flags both runsc releases define (20221219 and 20240729: image-path, leave-running, detach)', () => {
    const passed = CHECKPOINT_FLAGS.flatMap((f) => (f.gvisor.kind === 'runsc' ? [f.gvisor.flag] : []));
    expect(passed.sort()).toEqual(['--detach', '--image-path', '--leave-running']);
  });
});
