// Each backend's later commands through RECORDED_BACKENDS, as routed.ts and ps.ts call them, with
// fakes at the system boundary: a recording runc, a launcher whose backend prints fixed output.
// The real paths are covered by test/docker (docker exec, update, top under gVisor; under krun
// up to VM entry, as this host's microVMs cannot boot).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerPaths } from '../base/paths.js';
import type { ContainerRecord } from '../base/record.js';
import { thrownMsbError } from '../../test/support/msb-error.js';
import type { RecordedContainer, RuntimeContext } from './backend.js';
import { RECORDED_BACKENDS } from './recorded-backends.js';

const base = mkdtempSync(join(tmpdir(), 'msb-recorded-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const runtime: RuntimeContext = {
  root: join(base, 'root'),
  systemdCgroup: false,
  log: { format: 'json', debug: false },
  logArgs: ['--log', join(base, 'log.json'), '--log-format', 'json'],
};
let n = 0;

/** container records a container of `backend` whose launcher's backend prints `output` (and exits with `status`). */
function container(backend: string, backendSummary: Record<string, unknown>, output = '', status = 0): RecordedContainer {
  const id = `c${n++}`;
  const paths = containerPaths(runtime.root, id);
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.launcher, `msb_exec() { printf '%s\\n' "$*" >${JSON.stringify(join(paths.dir, 'args'))}; printf '%s' '${output}'; exit ${status}; }\n`);
  const record: ContainerRecord = { id, backend, bundle: join(base, 'bundle'), created: '', selection: [], backendSummary };
  return { id, record, paths, runtime };
}

const argsOf = (c: RecordedContainer): string => readFileSync(join(c.paths.dir, 'args'), 'utf8').trim();

// A runc that records its arguments and the process file it is given, then exits 7 (or fails state).
const runc = join(base, 'runc');
writeFileSync(
  runc,
  `#!/bin/sh\nfor a; do case $a in state) exit 1 ;; esac; done\nprintf '%s\\n' "$*" >"$0.args"\nwhile [ $# -gt 0 ]; do [ "$1" = --process ] && cp "$2" "$0.process"; shift; done\nexit 7\n`,
);
chmodSync(runc, 0o755);
const krun = { runc, runcArgs: ['--root', '/r'], vm: { name: 'c-vm' }, vmmHeadroomMiB: 96 };
const gvisor = { runsc: '/usr/bin/runsc', runscArgs: ['--root', '/r'] };

describe('gvisor later commands', () => {
  const g = RECORDED_BACKENDS.gvisor!;

  it("ps --format json: the sandbox's host pid from runsc state, or none", async () => {
    const c = container('gvisor', gvisor, '{"id":"x","pid":4242,"status":"running"}');
    expect(await g.hostPidsJson(c)).toBe('[4242]\n');
    expect(argsOf(c)).toBe(`${runtime.logArgs.join(' ')} state ${c.id}`);
    expect(await g.hostPidsJson(container('gvisor', gvisor, '{"status":"stopped"}'))).toBe('[]\n');
  });

  it('ps --format json names the failed backend command', async () => {
    const c = container('gvisor', gvisor, '', 2);
    await expect(g.hostPidsJson(c)).rejects.toThrow(`state of container ${c.id} failed (exit 2)`);
  });

  it('update that changes no resource succeeds without a cgroup; exec needs the pids limit it is routed for', async () => {
    expect(await g.update(container('gvisor', gvisor), {})).toBe(0);
    await expect(g.exec(container('gvisor', gvisor), { detach: false, tty: false, args: ['true'] })).rejects.toThrow(/has no pids limit for msb to apply/);
  });

  it('refuses a record whose summary has another shape, naming the field', async () => {
    await expect(g.update(container('gvisor', { runsc: 1, runscArgs: [] }), {})).rejects.toThrow(
      /backendSummary\.runsc msb cannot read \(a string expected, found 1\)/,
    );
  });
});

describe('krun later commands', () => {
  const k = RECORDED_BACKENDS.krun!;

  it("ps --format json: runc's own output, unchanged", async () => {
    const c = container('krun', krun, '[11,12]\n');
    expect(await k.hostPidsJson(c)).toBe('[11,12]\n');
    expect(argsOf(c)).toBe(`${runtime.logArgs.join(' ')} ps --format json ${c.id}`);
  });

  it("exec runs msb exec in the guest through runc exec and returns runc's status", async () => {
    const c = container('krun', krun);
    expect(await k.exec(c, { detach: true, tty: false, args: ['echo', 'hi'], user: '1000:1000' })).toBe(7);
    expect(readFileSync(`${runc}.args`, 'utf8')).toMatch(new RegExp(`^--root /r --log \\S+ --log-format json exec --process \\S+ --detach ${c.id}\\n$`));
    expect(JSON.parse(readFileSync(`${runc}.process`, 'utf8')).args).toEqual(
      expect.arrayContaining(['exec', '--user', '1000:1000', 'c-vm', '--', 'echo', 'hi']),
    );
  });

  it('update of a container that is not running is refused', async () => {
    const c = container('krun', krun);
    const resources = join(c.paths.dir, 'resources.json');
    writeFileSync(resources, '{"memory":{"limit":268435456}}');
    await expect(k.update(c, { resources })).rejects.toThrow(`krun: container ${c.id} is not running; its microVM can be resized only while it runs`);
  });

  it("refuses a summary without the microVM's name", async () => {
    const c = container('krun', { ...krun, vm: {} });
    await expect(k.exec(c, { detach: false, tty: false, args: ['true'] })).rejects.toThrow(/backendSummary\.vm\.name msb cannot read/);
    expect(thrownMsbError(() => k.summaryOf(c.record), 'internal').message).toMatch(/^krun: the record of container/);
  });
});
