import {
  chmodSync,
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MsbError } from '../base/errors.js';

/** DaemonJsonFile is daemon.json as found on disk: text undefined when the file does not exist yet. */
export interface DaemonJsonFile {
  /** path is the file msbctl reads and replaces: a symlinked daemon.json resolved to its target. */
  path: string;
  text: string | undefined;
  mode: number | undefined;
}

/** BACKUP_SUFFIX names the backup beside daemon.json; each change overwrites it with the file as it was. */
export const BACKUP_SUFFIX = '.msb-backup';

// A new daemon.json gets the mode Debian's docker.io package would give it: world-readable, root-written.
const NEW_FILE_MODE = 0o644;

/** readDaemonJsonFile reads daemon.json, or notes that it is missing; other failures are errors. */
export function readDaemonJsonFile(path: string): DaemonJsonFile {
  let target = path;
  try {
    // Renaming onto a symlink would replace the link with a file; edit what it points to instead.
    target = realpathSync(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw fileError('cannot resolve', path, err);
  }
  try {
    const stat = statSync(target);
    if (!stat.isFile()) throw new MsbError('invalid-argument', `${target} is not a regular file`);
    return { path: target, text: readFileSync(target, 'utf8'), mode: stat.mode & 0o7777 };
  } catch (err) {
    if (err instanceof MsbError) throw err;
    if (errnoOf(err) === 'ENOENT') return { path: target, text: undefined, mode: undefined };
    throw fileError('cannot read', target, err);
  }
}

/** backupDaemonJsonFile copies the existing file to <path>.msb-backup and returns that path; undefined if there was no file. */
export function backupDaemonJsonFile(file: DaemonJsonFile): string | undefined {
  if (file.text === undefined) return undefined;
  const backup = `${file.path}${BACKUP_SUFFIX}`;
  try {
    copyFileSync(file.path, backup);
  } catch (err) {
    throw fileError('cannot back up', file.path, err);
  }
  return backup;
}

/**
 * writeDaemonJsonFile replaces the file atomically (temp file beside it, then rename) so dockerd,
 * which may re-read it at any moment, never sees half a file; it keeps the original mode.
 */
export function writeDaemonJsonFile(file: DaemonJsonFile, text: string): void {
  const dir = dirname(file.path);
  const mode = file.mode ?? NEW_FILE_MODE;
  const temp = join(dir, `.${basename(file.path)}.msbctl-${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode); // openSync's mode was filtered by the umask
    renameSync(temp, file.path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw fileError('cannot write', file.path, err);
  }
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function fileError(what: string, path: string, err: unknown): MsbError {
  const code = errnoOf(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MsbError('forbidden', `${what} ${path}: ${(err as Error).message} (run msbctl as root)`, { cause: err });
  }
  return new MsbError('internal', `${what} ${path}: ${(err as Error).message}`, { cause: err });
}
