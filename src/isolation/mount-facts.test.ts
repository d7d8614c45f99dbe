import { describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { bindMountFacts, isBindMount, type MountFs } from './mount-facts.js';

const kinds: Record<string, 'socket' | 'directory' | 'file'> = { '/run/m.sock': 'socket', '/link.sock': 'socket', '/srv/a': 'directory', '/etc/h': 'file' };

const fakeFs: MountFs = {
  stat: (p) => {
    const kind = kinds[p];
    if (!kind) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return { isSocket: () => kind === 'socket', isDirectory: () => kind === 'directory' };
  },
  realpath: (p) => (p === '/link.sock' ? '/run/m.sock' : p),
};

describe('isBindMount', () => {
  it.each<[{ type?: string; options?: string[] }, boolean]>([
    [{ type: 'bind' }, true],
    [{ options: ['rbind', 'ro'] }, true],
    [{ type: 'none', options: ['bind'] }, true],
    [{ type: 'tmpfs', options: ['nosuid'] }, false],
    [{ type: 'proc' }, false],
  ])('%j → %s', (m, expected) => {
    expect(isBindMount(m)).toBe(expected);
  });
});

describe('bindMountFacts', () => {
  it('classifies every bind mount source, resolving symlinks, and skips other mounts', () => {
    const spec: Spec = {
      ociVersion: '1.0.2',
      root: { path: 'rootfs' },
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/m.sock', type: 'bind', source: '/run/m.sock', options: ['rbind'] },
        { destination: '/l.sock', type: 'bind', source: '/link.sock' },
        { destination: '/a', type: 'bind', source: '/srv/a' },
        { destination: '/etc/hosts', type: 'bind', source: '/etc/h' },
        { destination: '/gone', type: 'bind', source: '/nonexistent' },
        { destination: '/rel', type: 'bind', source: 'relative' },
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' },
      ],
    };
    expect(bindMountFacts(spec, fakeFs)).toEqual([
      { destination: '/m.sock', source: '/run/m.sock', realSource: '/run/m.sock', kind: 'socket' },
      { destination: '/l.sock', source: '/link.sock', realSource: '/run/m.sock', kind: 'socket' },
      { destination: '/a', source: '/srv/a', realSource: '/srv/a', kind: 'directory' },
      { destination: '/etc/hosts', source: '/etc/h', realSource: '/etc/h', kind: 'other' },
      { destination: '/gone', source: '/nonexistent', realSource: '/nonexistent', kind: 'other' },
    ]);
  });
});
