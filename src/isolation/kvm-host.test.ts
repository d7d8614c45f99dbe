import { describe, expect, it } from 'vitest';
import { cpuVirtualizationFlag, inspectKvmHost, type KvmHostFs } from './kvm-host.js';

const INTEL = 'processor\t: 0\nflags\t\t: fpu vme de pse vmx sse2\n';
const AMD = 'processor\t: 0\nflags\t\t: fpu svm sse2\n';
const NONE = 'processor\t: 0\nflags\t\t: fpu hypervisor sse2\n';

function fs(files: { kvm?: boolean; rw?: boolean; pvm?: boolean; cpuinfo?: string | null }): KvmHostFs {
  return {
    exists: (p) => (p === '/dev/kvm' ? files.kvm !== false : p === '/sys/module/kvm_pvm' ? files.pvm === true : false),
    canReadWrite: () => files.rw !== false,
    readFile: (p) => {
      if (p !== '/proc/cpuinfo' || files.cpuinfo === null) throw new Error('ENOENT');
      return files.cpuinfo ?? INTEL;
    },
  };
}

describe('cpuVirtualizationFlag', () => {
  it.each<[string, string | undefined]>([
    [INTEL, 'vmx'],
    [AMD, 'svm'],
    [NONE, undefined],
    ['', undefined],
    ['flags: vmxx svm2', undefined],
  ])('%j → %s', (cpuinfo, flag) => {
    expect(cpuVirtualizationFlag(cpuinfo)).toBe(flag);
  });
});

describe('inspectKvmHost', () => {
  it.each<{ name: string; f: Parameters<typeof fs>[0]; kind: string; reason: RegExp }>([
    { name: 'real KVM on Intel', f: {}, kind: 'usable', reason: /^\/dev\/kvm is usable \(CPU flag vmx\)$/ },
    { name: 'real KVM on AMD', f: { cpuinfo: AMD }, kind: 'usable', reason: /CPU flag svm/ },
    { name: 'kvm_pvm loaded but the CPU has vmx (real KVM wins)', f: { pvm: true }, kind: 'usable', reason: /usable/ },
    { name: 'no /dev/kvm', f: { kvm: false }, kind: 'missing', reason: /^\/dev\/kvm does not exist/ },
    { name: 'no access', f: { rw: false }, kind: 'inaccessible', reason: /cannot open it read-write/ },
    {
      name: 'kvm-pvm without vmx/svm (this build host)',
      f: { pvm: true, cpuinfo: NONE },
      kind: 'kvm-pvm',
      reason: /paravirtualised nested kvm-pvm device .* KVM_EXIT_INTERNAL_ERROR about 12 s after "entering VM"/,
    },
    { name: 'no cpuinfo and no kvm_pvm: usable', f: { cpuinfo: null }, kind: 'usable', reason: /^\/dev\/kvm is usable$/ },
    { name: 'no cpuinfo with kvm_pvm: kvm-pvm', f: { cpuinfo: null, pvm: true }, kind: 'kvm-pvm', reason: /kvm-pvm/ },
  ])('$name → $kind', ({ f, kind, reason }) => {
    const v = inspectKvmHost(fs(f));
    expect(v.kind).toBe(kind);
    expect(v.reason).toMatch(reason);
    expect(v.device).toBe('/dev/kvm');
  });
});
