import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { addNetworkSnapshotHook, NETWORK_SNAPSHOT_HOOK_ARG0 } from './network-snapshot-hook.js';

const base: Spec = { ociVersion: '1.0.2', root: { path: 'rootfs' }, process: { args: ['sh'], cwd: '/' } };
const setkey = { path: '/proc/3369/exe', args: ['libnetwork-setkey', '-exec-root=/var/run/docker', 'abc', 'def'] };
const other = { path: '/usr/bin/nvidia-container-runtime-hook', args: ['prestart'] };
type HookList = { path: string; args?: string[]; env?: string[] }[];
const hooksOf = (s: Spec): Record<string, HookList> => s.hooks as Record<string, HookList>;
const ours = (h: { args?: string[] }): boolean => h.args?.[0] === NETWORK_SNAPSHOT_HOOK_ARG0;

describe('addNetworkSnapshotHook', () => {
  it.each([
    ["Docker ≤ 27's prestart setkey hook: appended after it", { prestart: [setkey] }, 'prestart', 1],
    ['other prestart hooks are kept, in order, before it', { prestart: [other, setkey], poststop: [other] }, 'prestart', 2],
    ['a createRuntime setkey hook: appended in createRuntime', { createRuntime: [setkey] }, 'createRuntime', 1],
    ['no hooks (Docker 28, bare bundles): a prestart hook of its own', undefined, 'prestart', 0],
  ])('%s', (_why, hooks, phase, before) => {
    const spec: Spec = hooks ? { ...base, hooks } : base;
    const copy = JSON.stringify(spec);
    const out = addNetworkSnapshotHook(spec, '/rec/net-at-restore');
    expect(JSON.stringify(spec)).toBe(copy); // pure
    const list = hooksOf(out)[phase] as HookList;
    expect(list.slice(0, before)).toEqual((hooks as Record<string, unknown> | undefined)?.[phase] ?? []);
    expect(list.length).toBe(before + 1);
    expect(list[before]?.path).toBe('/bin/sh');
    expect(list[before]?.args?.at(-1)).toBe('/rec/net-at-restore');
    for (const [k, v] of Object.entries(hooks ?? {})) if (k !== phase) expect(hooksOf(out)[k]).toEqual(v);
    expect({ ...out, hooks: undefined }).toEqual({ ...spec, hooks: undefined });
  });
});

describe('the snapshot hook, run as runsc runs a hook (state JSON on stdin, hook env only)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msb-net-snapshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hook = (addNetworkSnapshotHook(base, join(dir, 'snap')).hooks as Record<string, HookList>).prestart?.find(ours);
  const run = (stdin: string): number | null => {
    const [arg0, ...rest] = hook?.args ?? [];
    return spawnSync(hook?.path ?? '', rest, {
      input: stdin,
      env: Object.fromEntries((hook?.env ?? []).map((e) => e.split('=', 2) as [string, string])),
      argv0: arg0,
    }).status;
  };

  it("copies the pid's fib_trie and route", () => {
    const state = JSON.stringify({ ociVersion: '1.0.2', id: 'c1', status: 'creating', pid: process.pid, bundle: '/b' });
    expect(run(state)).toBe(0);
    expect(readFileSync(join(dir, 'snap', 'fib_trie'), 'utf8')).toBe(readFileSync(`/proc/${process.pid}/net/fib_trie`, 'utf8'));
    expect(readFileSync(join(dir, 'snap', 'route'), 'utf8')).toBe(readFileSync(`/proc/${process.pid}/net/route`, 'utf8'));
  });

  it('never fails the restore: no pid, a gone pid, garbage', () => {
    rmSync(join(dir, 'snap'), { recursive: true, force: true });
    expect(run('{"id":"c1","status":"creating"}')).toBe(0);
    expect(run('not json')).toBe(0);
    expect(existsSync(join(dir, 'snap', 'fib_trie'))).toBe(false);
    expect(run(JSON.stringify({ id: 'c1', pid: 2 ** 22 + 7 }))).toBe(0);
  });
});
