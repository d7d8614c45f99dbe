import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * buildDnsq compiles test/support/dnsq.c into a static binary in dir: a one-message DNS client
 * for inside busybox containers (busybox has no UDP nc and its nslookup hides rcodes).
 */
export function buildDnsq(dir: string): { path: string } | { skip: string } {
  const path = join(dir, 'dnsq');
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path, join(repoRoot, 'test/support/dnsq.c')], { encoding: 'utf8' });
  if (r.error) return { skip: `gcc is not available to build the in-container DNS client (${r.error.message}; apt-get install gcc libc6-dev)` };
  if (r.status !== 0) return { skip: `gcc -static could not build test/support/dnsq.c: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { path };
}
