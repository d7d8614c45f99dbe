import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * buildUsock compiles test/support/usock.c into a static binary in dir (busybox's nc cannot speak
 * Unix sockets, and the image has nothing else that can). Returns its path, or why it cannot.
 */
export function buildUsock(dir: string): { path: string } | { skip: string } {
  const path = join(dir, 'usock');
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path, join(repoRoot, 'test/support/usock.c')], { encoding: 'utf8' });
  if (r.error) return { skip: `gcc is not available to build the in-container socket client (${r.error.message}; apt-get install gcc libc6-dev)` };
  if (r.status !== 0) return { skip: `gcc -static could not build test/support/usock.c: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { path };
}
