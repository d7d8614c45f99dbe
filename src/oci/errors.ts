/** ErrorCode names the kinds of failure msb reports; each maps to one exit status family. */
export type ErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'invalid-spec'
  | 'invalid-policy'
  | 'forbidden'
  | 'unsupported'
  | 'backend'
  | 'host-unsupported'
  | 'internal';

/** MsbError is the one error type msb raises on purpose: a code, a one-line message, a cause. */
export class MsbError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MsbError';
    this.code = code;
  }
}

/** toMsbError turns anything thrown into an MsbError, keeping the original as its cause. */
export function toMsbError(err: unknown): MsbError {
  if (err instanceof MsbError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MsbError('internal', message, { cause: err });
}

/** oneLine folds a message onto one line, as Docker shows only one line of the runtime's error. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ').trim();
}
