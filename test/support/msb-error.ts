import { expect } from 'vitest';
import { type ErrorCode, MsbError } from '../../src/base/errors.js';

/** thrownMsbError runs fn, which must throw an MsbError (with code, when given), and returns it for further checks. */
export function thrownMsbError(fn: () => unknown, code?: ErrorCode): MsbError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    if (code !== undefined) expect((err as MsbError).code).toBe(code);
    return err as MsbError;
  }
  throw new Error(`expected an MsbError${code ? ` (${code})` : ''}`);
}
