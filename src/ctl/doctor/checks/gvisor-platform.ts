import { join } from 'node:path';
import { SYSTRAP_DEFAULT_SINCE, choosePlatform } from '../../../isolation/gvisor/platform.js';
import type { RunscVersion } from '../../../isolation/gvisor/runsc-version.js';
import { gvisorKvmReason } from '../../../isolation/gvisor/kvm-platform.js';
import { inspectKvmHost } from '../../../isolation/kvm-host.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

const PROBE_TIMEOUT_MS = 20_000;

/** hasSystrap: runsc releases before systrap became the default have only ptrace and kvm (0.0~20221219: "ptrace (default), kvm"). */
function hasSystrap(version: RunscVersion): boolean {
  return version.date === undefined || version.date >= SYSTRAP_DEFAULT_SINCE;
}

type Probe = { kernel: string } | { error: string };

/**
 * gvisorPlatformCheck: the platform msb passes runsc (policy gvisor.platform, or the release's
 * default for "auto") actually runs a sandbox here. For ptrace and systrap it runs
 * `runsc --network=none do uname -r` (about 0.2 s here; the host root as a read-only overlay, no
 * network, a temporary --root) and expects gVisor's kernel to answer. The kvm platform is judged
 * from /dev/kvm instead: on a kvm-pvm host runsc's kvm platform spins instead of failing.
 * It warns when ptrace, the slow platform, runs where systrap would: a runsc too old to have
 * systrap (Debian 12's own 0.0~20221219), or policy gvisor.platform=ptrace when systrap also
 * runs here (probed the same way).
 */
export const gvisorPlatformCheck: DoctorCheck<DoctorContext> = {
  id: 'gvisor-platform',
  run(ctx): Finding {
    const runsc = ctx.runsc();
    if ('missing' in runsc) return { status: 'skip', summary: 'no runsc to run (see runsc)' };
    const setting = ctx.policy().policy.gvisor.platform;
    const platform = choosePlatform(setting, runsc.version);
    const why = setting === 'auto' ? `runsc ${runsc.version.raw}'s default, policy gvisor.platform=auto` : `policy gvisor.platform=${setting}`;
    const facts = { platform, setting, probed: false };
    if (platform === 'kvm') {
      const kvm = inspectKvmHost(ctx.host.kvmFs);
      if (kvm.kind !== 'usable') {
        const then =
          ctx.policy().policy.gvisor.kvmHostCheck === 'enforce'
            ? 'create refuses every gVisor container (gvisor.kvmHostCheck "enforce")'
            : 'gVisor containers are tried anyway and hang in create until gvisor.createTimeoutSeconds (gvisor.kvmHostCheck "warn")';
        return {
          status: 'fail',
          summary: `platform kvm (${why}) cannot work: ${gvisorKvmReason(kvm)}; ${then}`,
          fix: 'set gvisor.platform to "auto" (ptrace or systrap) in the policy',
          facts,
        };
      }
      return { status: 'ok', summary: `platform kvm (${why}): ${kvm.reason}`, detail: 'not test-run: judged from /dev/kvm', facts };
    }
    if (!ctx.host.isRoot) {
      return { status: 'skip', summary: `platform ${platform} (${why}); not test-run: runsc do needs root`, facts };
    }
    const root = ctx.host.makeTempDir();
    const probe = (p: string): Probe => {
      const r = ctx.host.run(runsc.path, ['--root', join(root, `runsc-${p}`), '--network=none', `--platform=${p}`, 'do', 'uname', '-r'], PROBE_TIMEOUT_MS);
      const kernel = r.stdout.trim().split('\n')[0] ?? '';
      if (r.error || r.status !== 0 || kernel === '') return { error: r.error ?? (r.stderr.trim().split('\n').at(-1) || `exit ${r.status}`) };
      return { kernel };
    };
    try {
      const r = probe(platform);
      if ('error' in r) {
        return {
          status: 'fail',
          summary: `platform ${platform} (${why}) does not run a sandbox: ${r.error}`,
          detail: `ran ${runsc.path} --network=none --platform=${platform} do uname -r`,
          fix:
            platform === 'ptrace'
              ? 'ptrace must be allowed (no seccomp/AppArmor/Yama rule blocking PTRACE_ATTACH for root)'
              : 'try gvisor.platform "ptrace" in the policy',
          facts: { ...facts, probed: true },
        };
      }
      const ran = `platform ${platform} (${why}) runs a sandbox: its kernel says ${r.kernel}`;
      const done = { ...facts, probed: true, sandboxKernel: r.kernel };
      if (platform !== 'ptrace') return { status: 'ok', summary: ran, facts: { ...done, fasterPlatform: null } };
      if (!hasSystrap(runsc.version)) {
        return {
          status: 'warn',
          summary: `${ran}; but ptrace is gVisor's slow platform and runsc ${runsc.version.raw} predates systrap, the faster one (redis GET/s about 2x here, docs/gvisor.md)`,
          fix: 'install runsc release-20230605 or newer (Debian 12: runsc from bookworm-backports, which scripts/provision.sh sets up; Debian 13 has it), or set gvisor.runsc to one',
          facts: { ...done, fasterPlatform: 'systrap' },
        };
      }
      const systrap = probe('systrap');
      if ('error' in systrap)
        return {
          status: 'ok',
          summary: ran,
          detail: `systrap, the faster platform, does not run here: ${systrap.error}`,
          facts: { ...done, fasterPlatform: null },
        };
      return {
        status: 'warn',
        summary: `${ran}; but systrap, the faster platform, runs here too (${why})`,
        fix: 'set gvisor.platform to "auto" (systrap with this runsc) in the policy',
        facts: { ...done, fasterPlatform: 'systrap' },
      };
    } finally {
      ctx.host.removeDir(root);
    }
  },
};
