import { describe, expect, it } from 'vitest';
import { MsbError } from '../base/errors.js';
import type { Spec } from '../base/spec.js';
import { addControlSocketMounts, parseControlSockets, planControlSockets } from './control-sockets.js';

const ID = 'a'.repeat(64);

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe('invalid-argument');
    return (err as MsbError).message;
  }
  throw new Error('expected an invalid-argument error');
}

describe('parseControlSockets', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['/run/agent/ctl.sock', ['/run/agent/ctl.sock']],
    ['/run/agent/ctl.sock,/run/agent/metrics.sock,/var/x/y.sock', ['/run/agent/ctl.sock', '/run/agent/metrics.sock', '/var/x/y.sock']],
  ])('%s', (value, expected) => {
    expect(parseControlSockets(value)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['/run/../etc/x.sock', /\/run\/\.\.\/etc\/x\.sock is not a normalized absolute path/],
    ['/run/./x.sock', /is not a normalized absolute path/],
    ['/ctl.sock', /\/ctl\.sock must be in a directory other than \//],
    ['/run/a.sock,/run/a.sock', /names a socket twice/],
  ])('refuses %s', (value, expected) => {
    expect(message(() => parseControlSockets(value))).toMatch(expected);
  });
});

describe('planControlSockets', () => {
  it('gives each parent directory one host directory under <controlDirectory>/<id>', () => {
    expect(planControlSockets(['/run/agent/ctl.sock', '/var/m/metrics.sock', '/run/agent/log.sock'], '/run/msb/sockets', ID)).toEqual({
      containerRoot: `/run/msb/sockets/${ID}`,
      directories: [
        { containerDirectory: '/run/agent', hostDirectory: `/run/msb/sockets/${ID}/0` },
        { containerDirectory: '/var/m', hostDirectory: `/run/msb/sockets/${ID}/1` },
      ],
      sockets: [
        { path: '/run/agent/ctl.sock', hostPath: `/run/msb/sockets/${ID}/0/ctl.sock` },
        { path: '/var/m/metrics.sock', hostPath: `/run/msb/sockets/${ID}/1/metrics.sock` },
        { path: '/run/agent/log.sock', hostPath: `/run/msb/sockets/${ID}/0/log.sock` },
      ],
    });
  });

  it('plans nothing when nothing is declared', () => {
    expect(planControlSockets([], '/run/msb/sockets', ID)).toBeUndefined();
  });

  it('refuses a host path no client could connect to (sun_path holds 107 bytes)', () => {
    const longest = `/x/${'n'.repeat(107 - `/run/msb/sockets/${ID}/0/`.length)}`;
    expect(planControlSockets([longest], '/run/msb/sockets', ID)?.sockets[0]?.hostPath).toHaveLength(107);
    expect(message(() => planControlSockets([`${longest}n`], '/run/msb/sockets', ID))).toMatch(
      /is longer than a socket path may be \(107 bytes\); use a shorter name or a shorter policy sockets\.controlDirectory$/,
    );
  });
});

describe('addControlSocketMounts', () => {
  const spec: Spec = {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/etc/hosts', type: 'bind', source: '/h', options: ['rbind'] },
    ],
    'x-kept': 1,
  };
  const plan = planControlSockets(['/run/agent/ctl.sock'], '/run/msb/sockets', ID);

  it('appends one bind mount per directory and keeps everything else', () => {
    const out = addControlSocketMounts(spec, plan);
    expect(out).toEqual({
      ...spec,
      mounts: [
        ...(spec.mounts ?? []),
        { destination: '/run/agent', type: 'bind', source: `/run/msb/sockets/${ID}/0`, options: ['rbind', 'rw', 'nosuid', 'nodev', 'noexec'] },
      ],
    });
    expect(spec.mounts).toHaveLength(2); // the input is not modified
  });

  it('returns the same spec when nothing is declared', () => {
    expect(addControlSocketMounts(spec, undefined)).toBe(spec);
  });

  it.each(['/run/agent', '/run/agent/sub'])("refuses to hide the container's own mount at %s", (destination) => {
    const clashing: Spec = { ...spec, mounts: [{ destination, type: 'bind', source: '/x' }] };
    expect(message(() => addControlSocketMounts(clashing, plan))).toBe(
      `control socket directory /run/agent would hide the container's mount at ${destination}; declare the socket in another directory`,
    );
  });
});
