import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { gvisorPlatformCheck } from './gvisor-platform.js';

const OLD = { '/usr/bin/runsc --version': 'runsc version 0.0~20221219.0\n' };
const run = (platform: string): string => `/usr/bin/runsc --root /tmp/msb-doctor-test/runsc-${platform} --network=none --platform=${platform} do uname -r`;
const policy = (platform: string): Record<string, string> => ({ '/etc/msb/policy.json': JSON.stringify({ gvisor: { platform } }) });

describe('gvisorPlatformCheck', () => {
  it.each([
    {
      name: 'old runsc: ptrace runs, and a runsc with systrap would be faster',
      spec: { commands: { ...OLD, [run('ptrace')]: '4.4.0\n' } },
      status: 'warn',
      summary:
        /^platform ptrace \(runsc 0\.0~20221219\.0's default, policy gvisor\.platform=auto\) runs a sandbox: its kernel says 4\.4\.0; but ptrace is gVisor's slow platform and runsc 0\.0~20221219\.0 predates systrap/,
      platform: 'ptrace',
      faster: 'systrap',
      fix: /bookworm-backports/,
    },
    {
      name: 'policy ptrace where systrap runs too',
      spec: { files: policy('ptrace'), commands: { [run('ptrace')]: '4.4.0\n', [run('systrap')]: '4.4.0\n' } },
      status: 'warn',
      summary: /^platform ptrace \(policy gvisor\.platform=ptrace\) runs a sandbox: .*; but systrap, the faster platform, runs here too/,
      platform: 'ptrace',
      faster: 'systrap',
      fix: /gvisor\.platform to "auto"/,
    },
    {
      name: 'policy ptrace where systrap does not run',
      spec: { files: policy('ptrace'), commands: { [run('ptrace')]: '4.4.0\n', [run('systrap')]: { status: 1, stdout: '', stderr: 'systrap: no seccomp\n' } } },
      status: 'ok',
      summary: /^platform ptrace \(policy gvisor\.platform=ptrace\) runs a sandbox: its kernel says 4\.4\.0$/,
      platform: 'ptrace',
      faster: null,
    },
    {
      name: 'new runsc: systrap runs',
      spec: { commands: { [run('systrap')]: '4.4.0\n' } },
      status: 'ok',
      summary: /^platform systrap/,
      platform: 'systrap',
      faster: null,
    },
    {
      name: 'systrap unknown to an old runsc',
      spec: { files: policy('systrap'), commands: { ...OLD, [run('systrap')]: { status: 128, stdout: '', stderr: 'unknown platform: systrap\n' } } },
      status: 'fail',
      summary: /does not run a sandbox: unknown platform: systrap/,
      platform: 'systrap',
    },
    {
      name: 'probe hangs',
      spec: { commands: { [run('systrap')]: { status: null, stdout: '', stderr: '', error: 'did not finish within 20 s' } } },
      status: 'fail',
      summary: /did not finish within 20 s/,
      platform: 'systrap',
    },
    {
      name: 'kvm platform on kvm-pvm: not run',
      spec: { files: { ...policy('kvm'), '/proc/cpuinfo': 'flags : fpu\n' }, paths: ['/sys/module/kvm_pvm'] },
      status: 'fail',
      summary: /platform kvm \(policy gvisor\.platform=kvm\) cannot work: .*kvm-pvm/,
      platform: 'kvm',
      notRun: true,
    },
    {
      name: 'kvm platform with real KVM',
      spec: { files: policy('kvm') },
      status: 'ok',
      summary: /platform kvm .*usable \(CPU flag vmx\)/,
      platform: 'kvm',
      notRun: true,
    },
    { name: 'not root', spec: { host: { isRoot: false } }, status: 'skip', summary: /not test-run: runsc do needs root/, platform: 'systrap', notRun: true },
  ] as {
    name: string;
    spec: Parameters<typeof fakeContext>[0];
    status: string;
    summary: RegExp;
    platform: string;
    notRun?: boolean;
    faster?: string | null;
    fix?: RegExp;
  }[])('$name → $status', ({ spec, status, summary, platform, notRun, faster, fix }) => {
    const ctx = fakeContext(spec);
    const r = gvisorPlatformCheck.run(ctx) as Finding;
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(r.facts?.platform).toBe(platform);
    if (faster !== undefined) expect(r.facts?.fasterPlatform).toBe(faster);
    if (fix) expect(r.fix).toMatch(fix);
    if (notRun) expect(ctx.host.ran.filter((c) => c.includes(' do '))).toEqual([]);
    else expect(ctx.host.removed).toEqual(['/tmp/msb-doctor-test']);
  });
});
