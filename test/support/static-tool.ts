import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * buildStaticTool compiles test/support/<name>.c into a static binary in dir, for use inside
 * busybox containers that have no such tool; purpose says what it is for in the skip reason.
 * Returns its path, or why it cannot be built here.
 */
export function buildStaticTool(name: string, dir: string, purpose: string): { path: string } | { skip: string } {
  const path = join(dir, name);
  const source = `test/support/${name}.c`;
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path, join(repoRoot, source)], { encoding: 'utf8' });
  if (r.error) return { skip: `gcc is not available to build ${purpose} (${r.error.message}; apt-get install gcc libc6-dev)` };
  if (r.status !== 0) return { skip: `gcc -static could not build ${source}: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { path };
}
