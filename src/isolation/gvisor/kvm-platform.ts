import { MsbError } from '../../base/errors.js';
import { inspectKvmHost, type KvmHostVerdict } from '../kvm-host.js';

/** KvmPlatformDecision says whether runsc may be given --platform=kvm here, and why. */
export interface KvmPlatformDecision {
  /** proceed is false only when create must fail (the host check is enforced and KVM cannot run gVisor). */
  proceed: boolean;
  /** note is one sentence for the --log debug line or the create error. */
  note: string;
}

/** gvisorKvmReason says, in gVisor's terms, why this host's KVM cannot run the kvm platform. */
export function gvisorKvmReason(v: KvmHostVerdict): string {
  if (v.kind === 'kvm-pvm') {
    return `${v.device} is the paravirtualised nested kvm-pvm device (no vmx/svm CPU flag): gVisor's kvm platform never finishes runsc create there`;
  }
  return v.reason;
}

/**
 * checkKvmPlatform is the host check for gVisor's kvm platform, like krun's (kvm-host.ts): on a
 * host whose KVM cannot run it (no /dev/kvm, or the kvm-pvm device, where runsc create hangs for
 * good, issue 15) create fails at once with the reason, unless the operator set
 * gvisor.kvmHostCheck to "warn". Any other platform needs no check.
 */
export function checkKvmPlatform(
  platform: string,
  hostCheck: 'enforce' | 'warn',
  policySource: string,
  inspect: () => KvmHostVerdict = () => inspectKvmHost(),
): KvmPlatformDecision {
  if (platform !== 'kvm') return { proceed: true, note: '' };
  const v = inspect();
  if (v.kind === 'usable') return { proceed: true, note: `gvisor: platform kvm: ${v.reason}` };
  const reason = gvisorKvmReason(v);
  if (hostCheck === 'warn')
    return { proceed: true, note: `gvisor: platform kvm on a host whose KVM cannot run it (gvisor.kvmHostCheck "warn", trying anyway): ${reason}` };
  return {
    proceed: false,
    note: `gvisor: platform kvm cannot run on this host: ${reason}; set gvisor.platform to "auto" in ${policySource} (or gvisor.kvmHostCheck to "warn" to try anyway)`,
  };
}

/** requireKvmPlatform throws create's error when checkKvmPlatform says no, and returns the note otherwise. */
export function requireKvmPlatform(platform: string, hostCheck: 'enforce' | 'warn', policySource: string, inspect?: () => KvmHostVerdict): string {
  const d = checkKvmPlatform(platform, hostCheck, policySource, inspect);
  if (!d.proceed) throw new MsbError('host-unsupported', d.note);
  return d.note;
}
