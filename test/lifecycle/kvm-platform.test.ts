// Policy gvisor.platform "kvm" on a host whose KVM cannot run gVisor (no /dev/kvm, or the
// kvm-pvm device where runsc create hangs for good, issue 15): create refuses at once, with the
// reason, before runsc runs, and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectKvmHost } from '../../src/isolation/kvm-host.js';
import { lastLogLine, leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, tempDir } from '../support/runtime.js';

const kvm = inspectKvmHost();
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root'
    : spawnSync('runsc', ['--version']).status !== 0
      ? 'runsc is not installed'
      : kvm.kind === 'usable'
        ? `this host's KVM can run gVisor's kvm platform (${kvm.reason}): nothing to refuse`
        : undefined;
if (skipReason) console.warn(`SKIP kvm-platform suite: ${skipReason}`);

const dir = tempDir('msb-kvm-platform-');
let rootfs = '';
beforeAll(() => {
  if (!skipReason) rootfs = makeRootfs(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skipReason !== undefined)('gvisor platform kvm on a host that cannot run it', () => {
  it("create fails at once with the host check's reason and leaves nothing behind", () => {
    const rt = makeRuntime('kvm', MSB_RUNTIME, dir);
    const id = `kvm-refused-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ gvisor: { platform: 'kvm' } }));
    rt.globals.unshift('--policy', policy);
    const r = run(rt, ['create', '--bundle', bundle, id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`gvisor: platform kvm cannot run on this host: `);
    expect(r.stderr).toContain(`set gvisor.platform to "auto" in ${policy} (or gvisor.kvmHostCheck to "warn" to try anyway)`);
    expect(lastLogLine(rt)?.msg).toMatch(/^msb: gvisor: platform kvm cannot run on this host: /);
    expect(leftovers(rt, id)).toEqual([]);
  });
});
