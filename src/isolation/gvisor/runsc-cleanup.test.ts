import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shQuote } from '../../base/shell-quote.js';
import { runscCleanup } from './runsc-cleanup.js';

// Real processes, real /proc and grep: stand-ins whose argv looks like runsc's (create, gofer,
// sandbox) for this container and for others; a fake runsc records its calls.
const base = mkdtempSync(join(tmpdir(), 'msb-runsc-cleanup-'));
const dir = join(base, `it's a "dir" $HOME`);
mkdirSync(dir);
const root = join(dir, 'runsc root');
mkdirSync(root);
const calls = join(dir, 'calls');
const runsc = join(dir, "run'sc");
writeFileSync(runsc, `#!/bin/sh\nprintf '%s\\n' "$*" >>${shQuote(calls)}\n`);
chmodSync(runsc, 0o755);
const id = 'abc-123';
const bundle = join(dir, `bundle of ${id}`);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

/** stand runs a shell that sleeps, with argv words after it that look like a runsc command line. */
function stand(...words: string[]): ChildProcess {
  const c = spawn('/bin/sh', ['-c', 'while :; do sleep 1; done', 'stand-in', ...words], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (alive(c) ? c.once('exit', () => r()) : r()));

const script = runscCleanup({ id, bundle, runsc, runscArgs: ['--root', root, '--platform=systrap'], runscRoot: root });

describe('runscCleanup', () => {
  it('is accepted by sh -n', () => {
    const r = spawnSync('/bin/sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("kills exactly this container's runsc processes, calls runsc delete --force and removes its lock and state files", async () => {
    const create = stand('--root', root, 'create', '--bundle', bundle, '--pid-file', join(bundle, 'init.pid'), id);
    const gofer = stand(`--root=${root}`, '--log-fd=3', 'gofer', '--bundle', bundle);
    const sandbox = stand(`--root=${root}`, 'boot', `--bundle=${bundle}`, id);
    const other = stand(`--root=${root}`, 'boot', `--bundle=${bundle}-2`, `${id}-2`);
    const otherRoot = stand(`--root=${root}-elsewhere`, 'boot', id);
    const prefix = stand(`--root=${root}`, 'boot', `${id}x`);
    // A concurrent cleanup's runsc delete --force for the same id is left to finish.
    const deleting = stand('--root', root, '--platform=systrap', 'delete', '--force', id);
    for (const f of [`${id}_sandbox:${id}.lock`, `${id}_sandbox:${id}.state`, `${id}-2_sandbox:${id}-2.lock`]) writeFileSync(join(root, f), '');
    await new Promise((r) => setTimeout(r, 100)); // the shells have exec'd (their argv is in /proc)
    const r = spawnSync('/bin/sh', ['-c', `${script}\nmsb_stop_backend; echo "rc=$?"`], { encoding: 'utf8' });
    expect(r.stdout).toBe('rc=0\n');
    await Promise.all([create, gofer, sandbox].map(exited));
    expect([create, gofer, sandbox].map(alive)).toEqual([false, false, false]);
    expect([other, otherRoot, prefix, deleting].map(alive)).toEqual([true, true, true, true]);
    expect(readFileSync(calls, 'utf8')).toBe(`--root ${root} --platform=systrap delete --force ${id}\n`);
    expect(existsSync(join(root, `${id}_sandbox:${id}.lock`))).toBe(false);
    expect(existsSync(join(root, `${id}_sandbox:${id}.state`))).toBe(false);
    expect(existsSync(join(root, `${id}-2_sandbox:${id}-2.lock`))).toBe(true);
  });

  it('with nothing running still succeeds', () => {
    const r = spawnSync('/bin/sh', ['-c', `${script}\nmsb_stop_backend; echo "rc=$?"`], { encoding: 'utf8' });
    expect(r.stdout).toBe('rc=0\n');
  });

  it('fails, naming the survivors, when a process outlives its SIGKILLs', () => {
    // kill is shadowed so nothing dies: msb_stop_backend must not claim success.
    const survivor = stand(`--root=${root}`, 'boot', id);
    const tight = runscCleanup({ id, bundle, runsc, runscArgs: ['--root', root], runscRoot: root, attempts: 2 });
    const r = spawnSync('/bin/sh', ['-c', `${tight}\nkill() { :; }\nsleep 0.1; msb_stop_backend; echo "rc=$? $msb_stop_error"`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(new RegExp(`^rc=1 runsc processes (\\d+ )*${survivor.pid} .*of container ${id} are still running after SIGKILL\\n$`));
    survivor.kill('SIGKILL');
  });
});
