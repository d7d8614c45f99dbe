import { describe, expect, it } from 'vitest';
import { MsbError } from './errors.js';
import { containerPaths, DEFAULT_ROOT, stateDirOf, validateContainerId } from './paths.js';

describe('validateContainerId', () => {
  it.each([
    'abc',
    '1f4522750550354974189baabbda37f59901d4ea83917989b684acf109bd5655', // Docker
    'my-container_1.2',
    'a+b',
    'a.', // runc allows dots after the first character
    'a..b',
    'A_Z',
    '0',
  ])('accepts %j', (id) => {
    expect(validateContainerId(id)).toBe(id);
  });

  it.each<[string | undefined, RegExp]>([
    [undefined, /^container id cannot be empty$/],
    ['', /^container id cannot be empty$/],
    ['.', /^invalid container id "\."$/],
    ['..', /^invalid container id "\.\."$/],
    ['.x', /invalid container id/],
    ['a/b', /invalid container id "a\/b"/],
    ['../etc', /invalid container id/],
    ['/abs', /invalid container id/],
    ['a b', /invalid container id/],
    ['a\nb', /invalid container id "a\\nb"/],
    ['abc\n', /invalid container id/],
    ['a:b', /invalid container id/],
    ['a$b', /invalid container id/],
    ['ü', /invalid container id/],
  ])('rejects %j', (id, message) => {
    let caught: unknown;
    try {
      validateContainerId(id);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).code).toBe('invalid-argument');
    expect((caught as MsbError).message).toMatch(message);
  });
});

describe('containerPaths', () => {
  it("keeps a container's record under <root>/msb/containers/<id>, as shim/msb-runtime expects", () => {
    expect(containerPaths('/var/run/docker/runtime-runc/moby', 'abc')).toEqual({
      stateDir: '/var/run/docker/runtime-runc/moby/msb',
      dir: '/var/run/docker/runtime-runc/moby/msb/containers/abc',
      record: '/var/run/docker/runtime-runc/moby/msb/containers/abc/record.json',
      launcher: '/var/run/docker/runtime-runc/moby/msb/containers/abc/launcher.sh',
      cleanup: '/var/run/docker/runtime-runc/moby/msb/containers/abc/cleanup.sh',
      originalConfig: '/var/run/docker/runtime-runc/moby/msb/containers/abc/config.orig.json',
      cacheDir: '/var/run/docker/runtime-runc/moby/msb/cache',
    });
  });

  it('validates the id before building any path', () => {
    expect(() => containerPaths(DEFAULT_ROOT, '../../etc')).toThrow(MsbError);
  });

  it('stateDirOf is <root>/msb', () => {
    expect(stateDirOf(DEFAULT_ROOT)).toBe('/run/msb/msb');
  });
});
