// Black-box lifecycle suite: the runc command-line contract that containerd-shim-runc-v2 relies
// on, run against msb and against runsc called directly (the reference), so a difference in
// behaviour is msb's. Needs root and runsc; skips with the reason otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociSchemasAvailable, validateOci } from '../support/oci-schemas.js';
import { lastLogLine, leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, REFERENCE_RUNTIME, run, type Runtime, tempDir } from '../support/runtime.js';

const skipReason = process.getuid?.() !== 0 ? 'needs root' : spawnSync('runsc', ['--version']).status !== 0 ? 'runsc is not installed' : undefined;
if (skipReason) console.warn(`SKIP lifecycle suite: ${skipReason}`);

const dir = tempDir('msb-lifecycle-');
let rootfs = '';
let seq = 0;

beforeAll(() => {
  if (!skipReason) rootfs = makeRootfs(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function state(rt: Runtime, id: string): { status?: string; pid?: number; [k: string]: unknown } {
  const r = run(rt, ['state', id]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { status?: string; pid?: number };
}

function waitFor(check: () => boolean, ms = 10_000): boolean {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    spawnSync('sleep', ['0.1']);
  }
  return check();
}

function createStarted(rt: Runtime, args: string[] = ['sleep', '60']): string {
  const id = `lc-${rt.name}-${process.pid}-${++seq}`;
  const bundle = makeBundle(dir, rootfs, id, { args });
  const c = run(rt, ['create', '--bundle', bundle, '--pid-file', join(bundle, 'init.pid'), id]);
  expect(c.status, c.stderr).toBe(0);
  const s = run(rt, ['start', id]);
  expect(s.status, s.stderr).toBe(0);
  return id;
}

describe.skipIf(skipReason !== undefined).each([
  ['msb', MSB_RUNTIME],
  ['runsc', REFERENCE_RUNTIME],
])('runc contract: %s', (name, path) => {
  const rt = (): Runtime => makeRuntime(name, path, dir);
  let runtime: Runtime;
  beforeAll(() => {
    runtime = rt();
  });

  it('create → created (pid file, schema-valid state) → start → running → kill TERM → stopped → delete leaves nothing', () => {
    const id = `life-${name}-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    const pidFile = join(bundle, 'init.pid');
    const c = run(runtime, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
    expect(c.status, c.stderr).toBe(0);
    const created = state(runtime, id);
    expect(created.status).toBe('created');
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(created.pid);
    if (ociSchemasAvailable) expect(validateOci('state-schema.json', created)).toEqual([]);

    expect(run(runtime, ['start', id]).status).toBe(0);
    expect(state(runtime, id).status).toBe('running');
    expect(run(runtime, ['kill', id, 'TERM']).status).toBe(0);
    expect(waitFor(() => state(runtime, id).status === 'stopped')).toBe(true);
    const d = run(runtime, ['delete', id]);
    expect(d.status, d.stderr).toBe(0);
    expect(leftovers(runtime, id)).toEqual([]);
    const gone = run(runtime, ['state', id]);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toMatch(/does not exist|not found|cannot load/i);
  });

  it.each([['SIGKILL'], ['KILL'], ['9']])('kill accepts the signal as %s', (signal) => {
    const id = createStarted(runtime);
    expect(run(runtime, ['kill', id, signal]).status).toBe(0);
    expect(waitFor(() => state(runtime, id).status === 'stopped')).toBe(true);
    expect(run(runtime, ['delete', id]).status).toBe(0);
  });

  it('exec runs a process in the container and returns its output and exit status', () => {
    const id = createStarted(runtime);
    const ok = run(runtime, ['exec', id, 'sh', '-c', 'echo in-container; hostname']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('in-container');
    expect(ok.stdout).toContain('msbtest');
    const process = join(dir, `process-${id}.json`);
    writeFileSync(process, JSON.stringify({ terminal: false, user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'exit 7'], env: ['PATH=/bin'], cwd: '/' }));
    expect(run(runtime, ['exec', '--process', process, id]).status).toBe(7);
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
    expect(leftovers(runtime, id)).toEqual([]);
  });

  it('pause and resume', () => {
    const id = createStarted(runtime);
    expect(run(runtime, ['pause', id]).status).toBe(0);
    expect(state(runtime, id).status).toBe('paused');
    expect(run(runtime, ['resume', id]).status).toBe(0);
    expect(state(runtime, id).status).toBe('running');
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
  });

  it('delete --force removes a running container and a created one', () => {
    const running = createStarted(runtime);
    expect(run(runtime, ['delete', '--force', running]).status).toBe(0);
    expect(leftovers(runtime, running)).toEqual([]);
    const id = `created-${name}-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    expect(run(runtime, ['create', '--bundle', bundle, id]).status).toBe(0);
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
    expect(leftovers(runtime, id)).toEqual([]);
  });

  it('state of an unknown container fails', () => {
    const r = run(runtime, ['state', 'no-such-container']);
    expect(r.status).not.toBe(0);
  });
});

describe.skipIf(skipReason !== undefined)('msb-only contract details', () => {
  let runtime: Runtime;
  beforeAll(() => {
    runtime = makeRuntime('msbonly', MSB_RUNTIME, dir);
  });

  it('errors for unknown ids: one JSON error line in --log, the message on stderr, non-zero exit', () => {
    const r = run(runtime, ['state', 'ghost']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('msb: container ghost does not exist');
    const line = lastLogLine(runtime);
    expect(line?.level).toBe('error');
    expect(line?.msg).toBe('msb: container ghost does not exist');
    expect(Number.isNaN(Date.parse(line?.time ?? ''))).toBe(false);
  });

  it('delete --force of an unknown container succeeds; delete without --force does not', () => {
    expect(run(runtime, ['delete', '--force', 'ghost']).status).toBe(0);
    expect(run(runtime, ['delete', 'ghost']).status).not.toBe(0);
  });

  it('unknown commands and ids that could name paths fail clearly', () => {
    const unknown = run(runtime, ['frobnicate', 'x']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const traversal = run(runtime, ['start', '../../etc']);
    expect(traversal.status).toBe(1);
    expect(traversal.stderr).toContain('invalid container id');
  });

  it('--version reads like runc for docker info, and features validates against the official schema', () => {
    const v = spawnSync(MSB_RUNTIME, ['--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^runc version \S+\ncommit: \S+\nspec: /);
    const f = spawnSync(MSB_RUNTIME, ['features'], { encoding: 'utf8' });
    expect(f.status, f.stderr).toBe(0);
    if (ociSchemasAvailable) expect(validateOci('features-schema.json', JSON.parse(f.stdout))).toEqual([]);
  });

  it('list shows a created container with its backend', () => {
    const id = createStarted(runtime);
    const l = run(runtime, ['list', '--format', 'json']);
    expect(l.status, l.stderr).toBe(0);
    const rows = JSON.parse(l.stdout) as { id: string; status: string; backend: string }[];
    expect(rows.find((r) => r.id === id)).toMatchObject({ status: 'running', backend: 'gvisor' });
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
  });

  it('ps --format json prints a JSON array of pids, as go-runc parses it', () => {
    const id = createStarted(runtime);
    const p = run(runtime, ['ps', '--format', 'json', id]);
    expect(p.status, p.stderr).toBe(0);
    const pids = JSON.parse(p.stdout) as unknown[];
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.every((x) => Number.isInteger(x))).toBe(true);
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
  });

  it('--debug says which backend was chosen and why, and whether the rmem_default workaround applies', () => {
    const rt = makeRuntime('msbdebug', MSB_RUNTIME, dir, ['--debug']);
    const id = `debug-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    expect(run(rt, ['create', '--bundle', bundle, id]).status).toBe(0);
    expect(run(rt, ['start', id]).status).toBe(0);
    const debug = readFileSync(rt.log, 'utf8');
    expect(debug).toContain(`isolation for ${id}: gvisor (annotation io.msb.isolation: not set; runtime argument --isolation: not set; policy default`);
    const record = JSON.parse(readFileSync(join(rt.root, 'msb/containers', id, 'record.json'), 'utf8')) as {
      backendSummary: { rmemWorkaround: { apply: boolean } };
    };
    if (record.backendSummary.rmemWorkaround.apply) {
      expect(debug).toContain('rmem_default workaround applied');
      expect(debug).toContain('gvisor: running runsc in a private mount namespace with /proc/sys/net hidden');
    } else {
      expect(debug).toContain('rmem_default workaround not needed');
      expect(debug).not.toContain('private mount namespace');
    }
    expect(run(rt, ['delete', '--force', id]).status).toBe(0);
  });

  it('rewrites resolv.conf for a runtime-created netns, keeps unknown fields, validates, and restores config.json on delete', () => {
    const id = `resolv-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id, { resolvConf: 'search corp.example\nnameserver 127.0.0.11\noptions ndots:0\n', args: ['sleep', '60'] });
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    expect(run(runtime, ['create', '--bundle', bundle, id]).status).toBe(0);
    const rewritten = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
      mounts: { destination: string; source: string }[];
      [k: string]: unknown;
    };
    const mount = rewritten.mounts.find((m) => m.destination === '/etc/resolv.conf');
    expect(mount?.source).toBe(join(runtime.root, 'msb/containers', id, 'resolv.conf'));
    expect(rewritten['x-msb-test-unknown-field']).toEqual({ kept: [1, 2, 3] });
    if (ociSchemasAvailable) expect(validateOci('config-schema.json', rewritten)).toEqual([]);
    expect(run(runtime, ['start', id]).status).toBe(0);
    const inside = run(runtime, ['exec', id, 'cat', '/etc/resolv.conf']);
    expect(inside.stdout).toContain('search corp.example');
    expect(inside.stdout).toContain('options ndots:0');
    expect(inside.stdout).not.toMatch(/^nameserver 127\.0\.0\.11/m);
    expect(inside.stdout).toMatch(/^nameserver \S+$/m);
    expect(readFileSync(join(bundle, 'docker-resolv.conf'), 'utf8')).toContain('127.0.0.11');
    expect(run(runtime, ['delete', '--force', id]).status).toBe(0);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
    expect(existsSync(join(runtime.root, 'msb/containers', id))).toBe(false);
  });
});
