import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msbctl-lock-'));
  path = join(dir, 'daemon.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('holds the lock, with its pid, while fn runs and removes it afterwards', () => {
    const seen = withFileLock(path, () => readFileSync(`${path}.msbctl-lock`, 'utf8'));
    expect(seen).toBe(`${process.pid}\n`);
    expect(existsSync(`${path}.msbctl-lock`)).toBe(false);
  });

  it('removes the lock when fn throws', () => {
    expect(() =>
      withFileLock(path, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(`${path}.msbctl-lock`)).toBe(false);
  });

  it.each([
    { name: 'a dead holder', content: '999999\n', alive: false },
    { name: 'no pid at all', content: '', alive: true },
  ])('takes over a lock with $name', ({ content, alive }) => {
    writeFileSync(`${path}.msbctl-lock`, content);
    expect(withFileLock(path, () => 'ran', { isAlive: () => alive, timeoutMs: 0 })).toBe('ran');
  });

  it('waits for a live holder, then names it', () => {
    writeFileSync(`${path}.msbctl-lock`, '4242\n');
    let slept = 0;
    // A clock that moves only when the lock sleeps: the wait is the lock's, not the machine's load.
    const run = (): string => withFileLock(path, () => 'ran', { isAlive: () => true, timeoutMs: 250, sleep: (ms) => void (slept += ms), now: () => slept });
    expect(run).toThrow(/another msbctl \(pid 4242\) is editing/);
    expect(slept).toBeGreaterThan(0);
    expect(readFileSync(`${path}.msbctl-lock`, 'utf8')).toBe('4242\n');
  });
});
