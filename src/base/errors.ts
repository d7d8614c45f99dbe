/**
 * ErrorCode names the kinds of failure msb reports, for code and tests that must tell failures
 * apart and for the --debug line of --log. It does not change the exit status: every error exits 1,
 * as runc's do (oci/main.ts, EXIT_FAILURE).
 */
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
    // One line by construction: a message can quote input (a JSON parser's excerpt of config.json).
    super(oneLine(message), options);
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

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what oneLine escapes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** oneLine folds a message onto one line, as Docker shows only one line of the runtime's error; other control characters are shown escaped. */
export function oneLine(message: string): string {
  return message
    .replace(/\s*\n\s*/g, '; ')
    .replace(CONTROL_CHARACTERS, (c) => JSON.stringify(c).slice(1, -1))
    .trim();
}
