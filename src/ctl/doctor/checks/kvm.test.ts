import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { kvmCheck } from './kvm.js';

const NO_VMX = { '/proc/cpuinfo': 'flags : fpu sse\n' };

describe('kvmCheck', () => {
  it.each([
    { name: 'hardware KVM', spec: {}, status: 'ok', kind: 'usable', summary: /microVMs can run: \/dev\/kvm is usable \(CPU flag vmx\)/ },
    {
      name: 'kvm-pvm (this build host)',
      spec: { files: NO_VMX, paths: ['/sys/module/kvm_pvm'] },
      status: 'warn',
      kind: 'kvm-pvm',
      summary: /paravirtualised nested kvm-pvm device.*KVM_EXIT_INTERNAL_ERROR/,
    },
    {
      name: 'no /dev/kvm',
      spec: { host: { kvmFs: { exists: () => false, canReadWrite: () => false, readFile: () => '' } } },
      status: 'warn',
      kind: 'missing',
      summary: /\/dev\/kvm does not exist/,
    },
    {
      name: 'not openable',
      spec: { host: { kvmFs: { exists: () => true, canReadWrite: () => false, readFile: () => '' } } },
      status: 'warn',
      kind: 'inaccessible',
      summary: /cannot open it read-write/,
    },
    {
      name: 'kvm-pvm with krun the default',
      spec: { files: { ...NO_VMX, '/etc/msb/policy.json': '{"isolation":{"default":"krun"}}' }, paths: ['/sys/module/kvm_pvm'] },
      status: 'fail',
      kind: 'kvm-pvm',
      summary: /kvm-pvm/,
    },
    {
      name: 'kvm-pvm seen by a non-root doctor',
      spec: {
        files: NO_VMX,
        paths: ['/sys/module/kvm_pvm'],
        host: { isRoot: false, kvmFs: { exists: (p: string) => p !== '/nope', canReadWrite: () => false, readFile: () => NO_VMX['/proc/cpuinfo'] } },
      },
      status: 'warn',
      kind: 'kvm-pvm',
      summary: /kvm-pvm.*\(access not judged: doctor is not root\)/,
    },
    {
      name: 'krun not allowed',
      spec: { files: { ...NO_VMX, '/etc/msb/policy.json': '{"isolation":{"allowed":["gvisor"]}}' }, paths: ['/sys/module/kvm_pvm'] },
      status: 'skip',
      kind: 'kvm-pvm',
      summary: /policy does not allow krun/,
    },
  ])('$name → $status', ({ spec, status, kind, summary }) => {
    const r = kvmCheck.run(fakeContext(spec)) as Finding;
    expect(r.status).toBe(status);
    expect(r.facts?.kind).toBe(kind);
    expect(r.summary).toMatch(summary);
    if (status === 'warn' || status === 'fail') expect(r.fix).toBeTruthy();
  });
});
