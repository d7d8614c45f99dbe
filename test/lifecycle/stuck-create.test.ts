// A runsc create that never returns (gVisor's kvm platform on a kvm-pvm host, issue 15) is
// stood in for by a real one: runsc create writes its --pid-file last, and a FIFO nobody reads
// blocks it there with its gofer and sandbox already running. msb must bound create (kill it,
// remove everything, say why) and `delete --force` must stop it, even while it is stuck.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLogLine, leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, tempDir } from '../support/runtime.js';

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root'
    : spawnSync('runsc', ['--version']).status !== 0
      ? 'runsc is not installed'
      : spawnSync('mkfifo', ['--version']).status !== 0
        ? 'mkfifo is missing'
        : undefined;
if (skipReason) console.warn(`SKIP stuck-create suite: ${skipReason}`);

const dir = tempDir('msb-stuck-create-');
let rootfs = '';
const started: ChildProcess[] = [];
beforeAll(() => {
  if (!skipReason) rootfs = makeRootfs(dir);
});
afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
  // Whatever a failed run left: runsc processes whose argv names this suite's directory.
  for (const line of spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n')) {
    if (/runsc/.test(line) && line.includes(dir)) spawnSync('kill', ['-KILL', line.trim().split(/\s+/)[0] ?? '']);
  }
  rmSync(dir, { recursive: true, force: true });
});

function fifo(path: string): string {
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  return path;
}

const runscProcesses = (id: string): string[] =>
  spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /runsc/.test(l) && l.includes(id));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipReason !== undefined)('a stuck runsc create', () => {
  it('is bounded by gvisor.createTimeoutSeconds: create fails with the reason and leaves nothing behind', () => {
    const rt = makeRuntime('bounded', MSB_RUNTIME, dir);
    const id = `stuck-bounded-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    const policy = join(dir, 'policy-bounded.json');
    writeFileSync(policy, JSON.stringify({ gvisor: { createTimeoutSeconds: 3 } }));
    rt.globals.unshift('--policy', policy);
    const r = run(rt, ['create', '--bundle', bundle, '--pid-file', fifo(join(dir, `${id}.pid`)), id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/gvisor: .*runsc create did not finish within 3 s and was stopped \(policy gvisor\.createTimeoutSeconds in /);
    expect(lastLogLine(rt)?.msg).toMatch(/^msb: gvisor: .*create did not finish within 3 s/);
    expect(runscProcesses(id)).toEqual([]);
    expect(leftovers(rt, id)).toEqual([]);
  });

  it('delete --force while it is stuck stops runsc create, gofer and sandbox, removes the .lock, and exits 0', async () => {
    const rt = makeRuntime('forced', MSB_RUNTIME, dir);
    const id = `stuck-forced-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    const out = openSync(join(dir, `${id}.out`), 'w');
    const create = spawn(rt.path, [...rt.globals, 'create', '--bundle', bundle, '--pid-file', fifo(join(dir, `${id}.pid`)), id], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    started.push(create);
    const exited = new Promise<number | null>((resolve) => create.once('exit', (code) => resolve(code)));
    // runsc create, runsc-gofer and runsc-sandbox all run; create waits on the FIFO.
    await until(
      'the sandbox of the stuck create',
      () => runscProcesses(id).some((l) => l.includes('runsc-sandbox')) && runscProcesses(id).some((l) => l.includes(' create ')),
    );
    const del = run(rt, ['delete', '--force', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    expect(runscProcesses(id)).toEqual([]);
    expect(await exited).not.toBe(0); // msb's create reports the killed runsc
    expect(leftovers(rt, id)).toEqual([]);
  });

  it('a sandbox whose record is gone (its create was killed from outside) is stopped by the next create', () => {
    // containerd kills the runtime with its shim (Pdeathsig). After runsc create has returned,
    // its sandbox lives on; if delete --force was killed too (its cleanup deadline, on a loaded
    // host), nothing remembers it. Stood in for: a finished create whose record is removed.
    const rt = makeRuntime('orphan', MSB_RUNTIME, dir);
    const id = `stuck-orphan-${process.pid}`;
    expect(run(rt, ['create', '--bundle', makeBundle(dir, rootfs, id), id]).status).toBe(0);
    rmSync(join(rt.root, 'msb', 'containers', id), { recursive: true, force: true });
    expect(runscProcesses(id).some((l) => l.includes('runsc-sandbox'))).toBe(true);
    expect(run(rt, ['state', id]).stderr).toMatch(/does not exist/);

    const next = `stuck-next-${process.pid}`;
    const r = run(rt, ['create', '--bundle', makeBundle(dir, rootfs, next), next]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(runscProcesses(id)).toEqual([]);
    expect(leftovers(rt, id)).toEqual([]);
    expect(run(rt, ['delete', '--force', next]).status).toBe(0);
    expect(leftovers(rt, next)).toEqual([]);
  });
});
