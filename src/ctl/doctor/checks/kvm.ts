import { inspectKvmHost } from '../../../isolation/kvm-host.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

const FIXES: Record<string, string> = {
  missing: 'load kvm_intel or kvm_amd, or enable nested virtualisation for this VM; gVisor containers are unaffected',
  inaccessible: 'run the runtime as root, or give its user read-write access to /dev/kvm (group kvm)',
  'kvm-pvm': 'run microVM (krun) containers on a host with hardware KVM (vmx/svm); gVisor containers are unaffected',
};

/**
 * kvmCheck: whether this host can boot libkrun microVMs (isolation krun): /dev/kvm present and
 * openable, and not the paravirtualised nested kvm-pvm device on which libkrun's guest dies.
 * A host that cannot is a warning, or a failure when the policy's default isolation is krun.
 */
export const kvmCheck: DoctorCheck<DoctorContext> = {
  id: 'kvm',
  run(ctx): Finding {
    // Under Docker the runtime runs as root: a non-root doctor judges the device as root would open it.
    const fs = ctx.host.isRoot ? ctx.host.kvmFs : { ...ctx.host.kvmFs, canReadWrite: ctx.host.kvmFs.exists };
    const kvm = inspectKvmHost(fs);
    const isolation = ctx.policy().policy.isolation;
    const facts = { kind: kvm.kind, device: kvm.device, kvmPvm: kvm.kvmPvm, cpuVirtualization: kvm.cpuVirtualization ?? null };
    const asUser = ctx.host.isRoot ? '' : ' (access not judged: doctor is not root)';
    if (kvm.kind === 'usable') return { status: 'ok', summary: `microVMs can run: ${kvm.reason}${asUser}`, facts };
    const summary = `microVMs (isolation krun) cannot run: ${kvm.reason}${asUser}`;
    if (!isolation.allowed.includes('krun')) return { status: 'skip', summary: `${summary}; policy does not allow krun`, facts };
    return { status: isolation.default === 'krun' ? 'fail' : 'warn', summary, fix: FIXES[kvm.kind], facts };
  },
};
