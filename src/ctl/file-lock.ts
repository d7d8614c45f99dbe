import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { MsbError } from '../base/errors.js';

/** LockOptions tune withFileLock; the defaults wait up to 10 s and ask the kernel whether a holder lives. */
export interface LockOptions {
  timeoutMs?: number;
  isAlive?: (pid: number) => boolean;
  sleep?: (ms: number) => void;
  /** The clock the timeout is measured on (tests pass one that moves only when the lock sleeps). */
  now?: () => number;
}

/**
 * withFileLock runs fn while holding <path>.msbctl-lock. Two msbctl runs (a benchmark registering
 * its runtime while a test suite registers another) would otherwise both read daemon.json, and the
 * second rename would drop the first one's runtime. A lock whose holder died is taken over.
 */
export function withFileLock<T>(path: string, fn: () => T, options: LockOptions = {}): T {
  const lock = `${path}.msbctl-lock`;
  const { timeoutMs = 10_000, isAlive = processIsAlive, sleep = sleepSync, now = Date.now } = options;
  const deadline = now() + timeoutMs;
  while (!tryTake(lock)) {
    const holder = lockHolder(lock);
    if (holder === undefined) continue; // released meanwhile
    if (holder === 0 || !isAlive(holder)) {
      // Re-read right before removing, so a waiter that already replaced the stale lock keeps it.
      if (lockHolder(lock) === holder) removeQuietly(lock);
      continue;
    }
    if (now() > deadline) {
      throw new MsbError('already-exists', `another msbctl (pid ${holder}) is editing ${path}; if it is gone, remove ${lock}`);
    }
    sleep(100);
  }
  try {
    return fn();
  } finally {
    removeQuietly(lock);
  }
}

// The pid is written to a private file first and then hard-linked into place: link(2) fails if the
// lock exists, and a lock that exists always names its holder (no window where it is empty).
function tryTake(lock: string): boolean {
  const mine = `${lock}.${process.pid}`;
  try {
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
    linkSync(mine, lock);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EACCES' || code === 'EPERM')
      throw new MsbError('forbidden', `cannot create ${lock}: ${(err as Error).message} (run msbctl as root)`, { cause: err });
    throw new MsbError('internal', `cannot create ${lock}: ${(err as Error).message}`, { cause: err });
  } finally {
    removeQuietly(mine);
  }
}

// lockHolder is the pid in the lock, 0 if it holds none (not written by msbctl), undefined if it is gone.
function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
