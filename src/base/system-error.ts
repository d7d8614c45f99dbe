import { MsbError, type ErrorCode, toMsbError } from './errors.js';

/** ERRNO_PHRASES say in words what the errno codes msb meets mean (Node's messages are "EROFS: read-only file system, mkdir '…'"). */
const ERRNO_PHRASES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EEXIST: 'it already exists',
  EISDIR: 'it is a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  ENXIO: 'no such device or address (a socket, or a FIFO nobody writes)',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ETXTBSY: 'the file is busy',
  EBUSY: 'the resource is busy',
  EINVAL: 'invalid argument',
  EIO: 'an input/output error',
};

/** errnoOf is a Node system error's code (ENOENT …), if it has one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** describeSystemError says what went wrong in words, with the errno code for searching: "the file system is read-only (EROFS)". */
export function describeSystemError(err: unknown): string {
  const code = errnoOf(err);
  if (code === undefined) return err instanceof Error ? err.message : String(err);
  return `${ERRNO_PHRASES[code] ?? (err as Error).message.replace(/^E[A-Z0-9]+:\s*/, '').replace(/,.*$/, '')} (${code})`;
}

/**
 * systemErrorSentence turns a Node system error that nobody wrapped into a sentence naming the
 * operation and the path: "cannot mkdir /x/y: the file system is read-only (EROFS)".
 */
export function systemErrorSentence(err: NodeJS.ErrnoException & { dest?: string }): string {
  const target = err.path ? ` ${err.path}${err.dest ? ` to ${err.dest}` : ''}` : '';
  const op = err.syscall ?? 'do that';
  return `cannot ${op}${target}: ${describeSystemError(err)}`;
}

/** errnoErrorCode classifies a system error: a bad path is the caller's, the rest is the host's. */
function errnoErrorCode(err: unknown): ErrorCode {
  switch (errnoOf(err)) {
    case 'ENAMETOOLONG':
    case 'ENOTDIR':
    case 'ENOENT':
    case 'ELOOP':
    case 'EINVAL':
    case 'EISDIR':
      return 'invalid-argument';
    default:
      return 'host-unsupported';
  }
}

/**
 * wrapSystemError is the MsbError for a system error met while doing something: the message
 * says what msb was doing, then what went wrong ("cannot create the record of container c1 at
 * /x: the file system is read-only (EROFS)"). An MsbError passes through unchanged.
 */
export function wrapSystemError(doing: string, err: unknown, code: ErrorCode = errnoErrorCode(err)): MsbError {
  if (err instanceof MsbError) return err;
  return new MsbError(code, `${doing}: ${describeSystemError(err)}`, { cause: err });
}

/** withSystemErrors runs fn and wraps any system error it throws with what msb was doing. */
export function withSystemErrors<T>(doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (errnoOf(err) === undefined) throw err;
    throw wrapSystemError(doing, err);
  }
}

/** asMsbError is toMsbError that also turns an unwrapped system error into a sentence (main's last resort). */
export function asMsbError(err: unknown): MsbError {
  if (err instanceof MsbError) return err;
  if (errnoOf(err) !== undefined) return new MsbError(errnoErrorCode(err), systemErrorSentence(err as NodeJS.ErrnoException), { cause: err });
  return toMsbError(err);
}
