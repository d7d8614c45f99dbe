import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { rmemQuirkCheck } from './rmem-quirk.js';

const OLD = { '/usr/bin/runsc --version': 'runsc version 0.0~20221219.0\n' };
const PROBE = '/usr/bin/unshare --net /bin/sh -c if test -e /proc/sys/net/core/rmem_default; then echo present; else echo absent; fi';
const policy = (mode: string): Record<string, string> => ({ '/etc/msb/policy.json': JSON.stringify({ gvisor: { rmemWorkaround: mode } }) });

describe('rmemQuirkCheck', () => {
  it.each([
    {
      name: 'old runsc, namespaced kernel (this build host)',
      spec: { commands: { ...OLD, [PROBE]: 'present\n' } },
      status: 'ok',
      summary: /^workaround applies: runsc 0\.0~20221219\.0 is older than release-20240807 and the kernel namespaces/,
      quirk: true,
      applied: true,
    },
    {
      name: 'old runsc, older kernel',
      spec: { commands: { ...OLD, [PROBE]: 'absent\n' } },
      status: 'ok',
      summary: /^workaround not needed: the kernel does not namespace/,
      quirk: false,
      applied: false,
    },
    {
      name: 'fixed runsc: kernel not probed',
      spec: {},
      status: 'ok',
      summary: /^workaround not needed: runsc release-20240807\.0 is release-20240807 or newer/,
      quirk: false,
      applied: false,
      probed: false,
    },
    {
      name: 'quirk present, policy never',
      spec: { files: policy('never'), commands: { ...OLD, [PROBE]: 'present\n' } },
      status: 'fail',
      summary: /refuse every networked container.*workaround is off/,
      quirk: true,
      applied: false,
    },
    {
      name: 'policy always on a fixed runsc',
      spec: { files: policy('always') },
      status: 'ok',
      summary: /^workaround applies: policy gvisor\.rmemWorkaround=always/,
      quirk: false,
      applied: true,
    },
    {
      name: 'cannot probe (not root)',
      spec: { commands: { ...OLD, [PROBE]: { status: 1, stdout: '', stderr: 'unshare: unshare failed: Operation not permitted\n' } }, host: { isRoot: false } },
      status: 'warn',
      summary: /cannot tell.*Operation not permitted \(needs root\)/,
      quirk: null,
      applied: null,
    },
    {
      name: 'cannot probe, policy never',
      spec: {
        files: policy('never'),
        commands: { ...OLD, [PROBE]: { status: 1, stdout: '', stderr: 'unshare: unshare failed: Operation not permitted\n' } },
        host: { isRoot: false },
      },
      status: 'warn',
      summary: /cannot tell/,
      quirk: null,
      applied: null,
    },
    {
      name: 'workaround needs mount',
      spec: { which: { mount: undefined }, commands: { ...OLD, [PROBE]: 'present\n' } },
      status: 'fail',
      summary: /mount is not on PATH/,
      quirk: true,
      applied: true,
    },
    { name: 'no runsc', spec: { which: { runsc: undefined } }, status: 'skip', summary: /no runsc/, quirk: undefined, applied: undefined },
  ])('$name → $status', ({ spec, status, summary, quirk, applied, probed }) => {
    const ctx = fakeContext(spec);
    const r = rmemQuirkCheck.run(ctx) as Finding;
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(r.facts?.quirk).toBe(quirk);
    expect(r.facts?.applied).toBe(applied);
    if (probed === false) expect(ctx.host.ran).not.toContain(PROBE);
  });
});
