import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import type { PermittedAccess, SocketAccess } from '../host-socket-policy.js';
import type { Spec } from '../../base/spec.js';
import {
  accessOf,
  decideHostUds,
  dropHostUdsAnnotation,
  type HostUds,
  hostUdsOf,
  type HostUdsSupport,
  parseHostUdsSupport,
  runscHostUdsArgs,
} from './host-sockets.js';

function failure(fn: () => unknown): MsbError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    return err as MsbError;
  }
  throw new Error('expected an MsbError');
}

describe('hostUdsOf and accessOf', () => {
  it.each<[SocketAccess[], HostUds]>([
    [[], 'none'],
    [['open'], 'open'],
    [['open', 'open'], 'open'],
    [['create'], 'create'],
    [['create', 'open'], 'all'],
  ])('%j → %s', (access, level) => {
    expect(hostUdsOf(access)).toBe(level);
    expect(hostUdsOf(accessOf(level))).toBe(level);
  });
});

describe('parseHostUdsSupport', () => {
  it("reads the flag list of Debian's runsc 0.0~20221219 (both flags listed)", () => {
    const text = [
      '  -fsgofer-host-uds',
      '    \tDEPRECATED: use host-uds=all',
      '  -host-uds value',
      '    \tcontrols permission to access host Unix-domain sockets. Values: none|open|create|all, default: none',
    ].join('\n');
    expect(parseHostUdsSupport(text)).toBe('levels');
  });

  it.each<[string, HostUdsSupport]>([
    ['  -fsgofer-host-uds\n    \tallow the gofer to mount Unix Domain Sockets.\n', 'boolean'],
    ['  -network string\n', 'none'],
    ['  -host-uds-x value\n', 'none'],
  ])('%j → %s', (text, support) => {
    expect(parseHostUdsSupport(text)).toBe(support);
  });
});

describe('decideHostUds', () => {
  const openOnly: PermittedAccess = { open: 'sockets.connect[0]' };
  const both: PermittedAccess = { open: 'sockets.connect[0]', create: 'sockets.listen[0]' };

  it.each<[string, SocketAccess[], HostUds | undefined, PermittedAccess, HostUds]>([
    ['nothing needed, nothing asked', [], undefined, {}, 'none'],
    ['a connect mount', ['open'], undefined, openOnly, 'open'],
    ['a listen mount', ['create'], undefined, both, 'create'],
    ['both kinds of mount', ['open', 'create'], undefined, both, 'all'],
    ['the annotation within policy', [], 'open', openOnly, 'open'],
    ['the annotation widening within policy', ['open'], 'all', both, 'all'],
    ['the annotation asking for none (mounts still served)', ['open'], 'none', openOnly, 'open'],
  ])('%s', (_name, needed, annotation, permitted, level) => {
    expect(decideHostUds({ needed, annotation, permitted, policySource: '/p.json' })).toBe(level);
  });

  it.each<[HostUds, PermittedAccess, string]>([
    [
      'all',
      openOnly,
      'gvisor: annotation dev.gvisor.flag.host-uds=all is not allowed: policy /p.json allows this container only open (sockets.connect[0]); create needs a sockets.listen or sockets.control rule that selects it',
    ],
    [
      'open',
      { create: 'sockets.control[0]' },
      'gvisor: annotation dev.gvisor.flag.host-uds=open is not allowed: policy /p.json allows this container only create (sockets.control[0]); open needs a sockets.connect rule that selects it',
    ],
    [
      'create',
      {},
      'gvisor: annotation dev.gvisor.flag.host-uds=create is not allowed: policy /p.json allows this container no host sockets; create needs a sockets.listen or sockets.control rule that selects it',
    ],
  ])('refuses the annotation %s beyond policy', (annotation, permitted, message) => {
    const err = failure(() => decideHostUds({ needed: [], annotation, permitted, policySource: '/p.json' }));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe(message);
  });
});

describe('runscHostUdsArgs', () => {
  const both: PermittedAccess = { open: 'a', create: 'b' };
  it.each<[HostUds, HostUdsSupport, PermittedAccess, string[]]>([
    ['none', 'none', {}, []],
    ['open', 'levels', {}, ['--host-uds=open']],
    ['create', 'levels', {}, ['--host-uds=create']],
    ['all', 'levels', {}, ['--host-uds=all']],
    ['all', 'boolean', both, ['--fsgofer-host-uds']],
    ['open', 'boolean', both, ['--fsgofer-host-uds']],
  ])('%s with %s support', (level, support, permitted, args) => {
    expect(runscHostUdsArgs(level, support, permitted, 'v')).toEqual(args);
  });

  it.each<[HostUds, HostUdsSupport, string]>([
    [
      'open',
      'boolean',
      'gvisor: this container needs --host-uds=open, but runsc 2021 can only allow all host sockets (--fsgofer-host-uds), more than policy permits this container; install a newer runsc',
    ],
    ['create', 'none', 'gvisor: this container needs --host-uds=create, but runsc 2021 has no --host-uds flag; install a newer runsc'],
  ])('refuses %s when runsc offers %s', (level, support, message) => {
    const err = failure(() => runscHostUdsArgs(level, support, { open: 'a' }, '2021'));
    expect(err.code).toBe('host-unsupported');
    expect(err.message).toBe(message);
  });
});

describe('dropHostUdsAnnotation', () => {
  const base: Spec = { ociVersion: '1.0.2', root: { path: 'r' }, 'x-kept': true };

  it('removes only the host-uds annotation, keeping the rest of the spec', () => {
    const spec: Spec = { ...base, annotations: { 'dev.gvisor.flag.host-uds': 'open', 'io.msb.isolation': 'gvisor' } };
    expect(dropHostUdsAnnotation(spec)).toEqual({ ...base, annotations: { 'io.msb.isolation': 'gvisor' } });
    expect(spec.annotations).toHaveProperty('dev.gvisor.flag.host-uds'); // the input is not modified
  });

  it('returns the same spec when the annotation is absent', () => {
    const spec: Spec = { ...base, annotations: { a: 'b' } };
    expect(dropHostUdsAnnotation(spec)).toBe(spec);
    expect(dropHostUdsAnnotation(base)).toBe(base);
  });
});
