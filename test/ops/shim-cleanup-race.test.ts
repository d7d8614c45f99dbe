// Issue 10 item 5: dockerd sometimes logs `failed to remove runc container … did not terminate
// successfully: exit status 255` after `docker rm -f` of an msb container. Found: the status is
// containerd's, not msb's. After a shim exits, containerd runs `containerd-shim-runc-v2 … delete`,
// whose `delete` action calls `<runtime> delete --force <id>` with go-runc's default process
// monitor (os/exec Wait) while a SIGCHLD reaper in the same process reaps every exited child
// (wait4(-1)). When the reaper wins, Wait fails with ECHILD and go-runc reports 255 whatever the
// runtime returned (go-runc monitor.go). runc itself meets it: this host's dockerd log holds the
// same line for plain runc containers.
//
// This suite runs that very action of the real containerd-shim-runc-v2 (no Docker needed: a
// bundle directory with `options.json` and `runtime` is all it reads) against msb through a
// wrapper that records msb's own exit status, and against runc: msb must exit 0 every time and
// leave nothing, and every 255 containerd reports is one msb did not return.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shQuote } from '../../src/base/shell-quote.js';
import { MSB_RUNTIME, tempDir } from '../support/runtime.js';

const SHIM = ['/usr/bin/containerd-shim-runc-v2', '/usr/local/bin/containerd-shim-runc-v2'].find((p) => existsSync(p));
const RUNC = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc'].find((p) => existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'needs root' : !SHIM ? 'containerd-shim-runc-v2 is not installed' : undefined;
if (skipReason) console.warn(`SKIP shim-cleanup-race suite: ${skipReason}`);

const ROUNDS = 20;
const dir = tempDir('msb-shim-race-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** cleanupAction runs containerd-shim-runc-v2's `delete` action for id with runtime as its runc binary; returns the shim's warnings. */
function cleanupAction(name: string, runtime: string, id: string): string[] {
  const bundle = join(dir, name, id);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'options.json'), JSON.stringify({ binary_name: runtime, root: join(dir, name, 'root') }));
  writeFileSync(join(bundle, 'runtime'), runtime);
  const r = spawnSync(SHIM as string, ['-namespace', 'msb-shim-race', '-id', id, 'delete'], { cwd: bundle, encoding: 'utf8', timeout: 60_000 });
  return (r.stderr ?? '').split('\n').filter((l) => l.includes('failed to remove runc container'));
}

describe.skipIf(skipReason !== undefined)('containerd-shim-runc-v2 delete action (the cleanup after every shim exits)', () => {
  it(`msb's delete --force exits 0 in all ${ROUNDS} rounds; containerd's 255s are its own reaper race`, () => {
    const statuses = join(dir, 'statuses');
    const wrapper = join(dir, 'msb-recorded');
    writeFileSync(wrapper, `#!/bin/sh\n${shQuote(MSB_RUNTIME)} "$@"\nrc=$?\necho "$rc" >>${shQuote(statuses)}\nexit "$rc"\n`);
    chmodSync(wrapper, 0o755);
    const warnings: string[] = [];
    for (let i = 0; i < ROUNDS; i++) warnings.push(...cleanupAction('msb', wrapper, `race-${process.pid}-${i}`));
    expect(readFileSync(statuses, 'utf8').trim().split('\n')).toEqual(Array<string>(ROUNDS).fill('0'));
    for (const w of warnings) expect(w).toContain('did not terminate successfully: exit status 255: ');
    expect(existsSync(join(dir, 'msb', 'root', 'msb', 'containers'))).toBe(false);
    console.log(`containerd reported exit status 255 for msb in ${warnings.length} of ${ROUNDS} rounds; msb returned 0 in all`);
  });

  it.skipIf(!RUNC)('runc, the reference, meets the same race with the same signature (how often is printed, not asserted)', () => {
    const warnings: string[] = [];
    for (let i = 0; i < ROUNDS; i++) warnings.push(...cleanupAction('runc', RUNC as string, `race-runc-${process.pid}-${i}`));
    for (const w of warnings) expect(w).toContain('did not terminate successfully: exit status 255: ');
    console.log(`containerd reported exit status 255 for runc in ${warnings.length} of ${ROUNDS} rounds`);
  });
});
