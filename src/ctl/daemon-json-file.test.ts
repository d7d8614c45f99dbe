import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDaemonJsonFile, readDaemonJsonFile, writeDaemonJsonFile } from './daemon-json-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msbctl-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readDaemonJsonFile', () => {
  it('reads the text and mode', () => {
    const path = join(dir, 'daemon.json');
    writeFileSync(path, '{}\n');
    chmodSync(path, 0o640);
    expect(readDaemonJsonFile(path)).toEqual({ path, text: '{}\n', mode: 0o640 });
  });

  it('reports a missing file as text undefined', () => {
    const path = join(dir, 'nope', 'daemon.json');
    expect(readDaemonJsonFile(path)).toEqual({ path, text: undefined, mode: undefined });
  });

  it('resolves a symlink so the edit replaces its target, not the link', () => {
    const target = join(dir, 'real.json');
    writeFileSync(target, '{"debug":true}');
    symlinkSync(target, join(dir, 'daemon.json'));
    expect(readDaemonJsonFile(join(dir, 'daemon.json')).path).toBe(target);
  });

  it('refuses a directory', () => {
    mkdirSync(join(dir, 'daemon.json'));
    expect(() => readDaemonJsonFile(join(dir, 'daemon.json'))).toThrow(/not a regular file/);
  });
});

describe('writeDaemonJsonFile', () => {
  it('replaces the file, keeps its mode, and leaves no temp file', () => {
    const path = join(dir, 'daemon.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o600);
    writeDaemonJsonFile(readDaemonJsonFile(path), '{"debug": true}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"debug": true}\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['daemon.json']);
  });

  it('creates a missing file and its directory, mode 0644 whatever the umask', () => {
    const path = join(dir, 'etc', 'docker', 'daemon.json');
    const old = process.umask(0o077);
    try {
      writeDaemonJsonFile(readDaemonJsonFile(path), '{}\n');
    } finally {
      process.umask(old);
    }
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });
});

describe('backupDaemonJsonFile', () => {
  it('copies the file beside itself as .msb-backup, overwriting an older backup', () => {
    const path = join(dir, 'daemon.json');
    writeFileSync(`${path}.msb-backup`, 'older');
    writeFileSync(path, '{"a":1}');
    expect(backupDaemonJsonFile(readDaemonJsonFile(path))).toBe(`${path}.msb-backup`);
    expect(readFileSync(`${path}.msb-backup`, 'utf8')).toBe('{"a":1}');
  });

  it('makes no backup of a file that does not exist', () => {
    expect(backupDaemonJsonFile(readDaemonJsonFile(join(dir, 'daemon.json')))).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
