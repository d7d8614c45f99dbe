import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * cached returns a probe's result from a small JSON file under msb's cache directory, probing
 * again when the key changed (a new boot, a replaced binary). Concurrent creates may probe at the
 * same time; each writes a whole file and renames it, so a reader never sees half a file.
 */
export function cached<T>(cacheDir: string, name: string, key: string, probe: () => T): T {
  const path = join(cacheDir, `${name}.json`);
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as { key: string; value: T };
    if (entry.key === key) return entry.value;
  } catch {
    // Missing or unreadable: probe below.
  }
  const value = probe();
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key, value }), { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next caller another probe.
  }
  return value;
}
