import { describe, expect, it } from 'vitest';
import { MsbError } from './errors.js';
import { asMsbError, describeSystemError, systemErrorSentence, withSystemErrors, wrapSystemError } from './system-error.js';

function systemError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, ${syscall} '${path ?? ''}'`), { code, syscall, ...(path ? { path } : {}) });
}

describe('system errors as sentences', () => {
  it.each([
    ['EROFS', 'the file system is read-only (EROFS)'],
    ['ENAMETOOLONG', 'the name is too long (ENAMETOOLONG)'],
    ['ENOENT', 'no such file or directory (ENOENT)'],
    ['EWEIRD', 'something (EWEIRD)'], // an unlisted code keeps Node's words, without the path
  ])('%s', (code, expected) => {
    expect(describeSystemError(systemError(code, 'mkdir', '/x'))).toBe(expected);
  });

  it('describes a plain error by its message', () => {
    expect(describeSystemError(new Error('boom'))).toBe('boom');
  });

  it('names the operation and the path when nobody said what msb was doing', () => {
    expect(systemErrorSentence(systemError('EROFS', 'mkdir', '/run/msb/x'))).toBe('cannot mkdir /run/msb/x: the file system is read-only (EROFS)');
    const err = asMsbError(systemError('ENAMETOOLONG', 'open', '/a'));
    expect(err).toBeInstanceOf(MsbError);
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toBe('cannot open /a: the name is too long (ENAMETOOLONG)');
  });

  it('leaves an MsbError and a non-system error alone', () => {
    const own = new MsbError('forbidden', 'no');
    expect(asMsbError(own)).toBe(own);
    expect(wrapSystemError('doing', own)).toBe(own);
    expect(asMsbError(new TypeError('x')).code).toBe('internal');
    expect(() =>
      withSystemErrors('doing', () => {
        throw new TypeError('x');
      }),
    ).toThrow(TypeError);
  });

  it('wraps a system error with what msb was doing, keeping it as the cause', () => {
    const cause = systemError('EROFS', 'mkdir', '/r');
    let caught: unknown;
    try {
      withSystemErrors('cannot create the record of container c1 in /r', () => {
        throw cause;
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).message).toBe('cannot create the record of container c1 in /r: the file system is read-only (EROFS)');
    expect((caught as MsbError).code).toBe('host-unsupported');
    expect((caught as MsbError).cause).toBe(cause);
  });
});
