import { which } from '../../base/which.js';
import { inspectKvmHost, type KvmHostVerdict } from '../kvm-host.js';
import type { KrunPolicy } from '../policy.js';
import { findKrunProvider, type KrunProvider } from './provider.js';

/** KrunCheck is one prerequisite of the krun backend, for `msbctl doctor` (issue 6) and humans. */
export interface KrunCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
}

/** KrunProbes are the host lookups krunPrerequisites makes; tests pass fakes. */
export interface KrunProbes {
  provider: (packageDir: string | undefined) => KrunProvider;
  which: (command: string) => string | undefined;
  kvm: () => KvmHostVerdict;
}

const realProbes: KrunProbes = { provider: (d) => findKrunProvider(d), which: (c) => which(c), kvm: () => inspectKvmHost() };

/**
 * krunPrerequisites checks, in create's order, what the krun backend needs: microsandbox's msb
 * and libkrunfw, runc, tini, and a host that can boot libkrun guests (inspectKvmHost), with what
 * create will do about a failing host under the policy's krun.hostCheck.
 */
export function krunPrerequisites(krun: KrunPolicy, probes: KrunProbes = realProbes): KrunCheck[] {
  const checks: KrunCheck[] = [];
  try {
    const p = probes.provider(krun.packageDir || undefined);
    checks.push({ name: 'microsandbox msb and libkrunfw', ok: true, detail: `${p.version}: ${p.msb}, ${p.libkrunfw}` });
  } catch (err) {
    checks.push({
      name: 'microsandbox msb and libkrunfw',
      ok: false,
      detail: (err as Error).message,
      fix: "npm ci in msb's checkout (or set krun.packageDir)",
    });
  }
  for (const [key, cmd, pkg] of [
    ['runc', krun.runc, 'runc'],
    ['tini', krun.tini, 'tini'],
  ] as const) {
    const path = probes.which(cmd);
    checks.push(
      path
        ? { name: key, ok: true, detail: path }
        : { name: key, ok: false, detail: `${cmd} not found on PATH (policy krun.${key})`, fix: `apt-get install ${pkg}` },
    );
  }
  const v = probes.kvm();
  const then =
    v.kind === 'usable'
      ? ''
      : krun.hostCheck === 'enforce'
        ? '; krun containers fail at create (krun.hostCheck "enforce")'
        : '; krun containers start and fail after "entering VM" (krun.hostCheck "warn")';
  checks.push({
    name: 'KVM for libkrun guests',
    ok: v.kind === 'usable',
    detail: `${v.reason}${then}`,
    ...(v.kind === 'usable'
      ? {}
      : {
          fix:
            v.kind === 'kvm-pvm'
              ? 'run krun containers on a host (or VM) with hardware virtualisation (vmx/svm) exposed'
              : v.kind === 'missing'
                ? 'load kvm_intel or kvm_amd, or enable nested virtualisation for this VM'
                : 'run msb as root, or give it read-write access to /dev/kvm',
        }),
  });
  return checks;
}
