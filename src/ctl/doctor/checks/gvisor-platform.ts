import { join } from 'node:path';
import { choosePlatform } from '../../../isolation/gvisor/platform.js';
import { gvisorKvmReason } from '../../../isolation/gvisor/kvm-platform.js';
import { inspectKvmHost } from '../../../isolation/kvm-host.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

const PROBE_TIMEOUT_MS = 20_000;

/**
 * gvisorPlatformCheck: the platform msb passes runsc (policy gvisor.platform, or the release's
 * default for "auto") actually runs a sandbox here. For ptrace and systrap it runs
 * `runsc --network=none do uname -r` (about 0.2 s here; the host root as a read-only overlay, no
 * network, a temporary --root) and expects gVisor's kernel to answer. The kvm platform is judged
 * from /dev/kvm instead: on a kvm-pvm host runsc's kvm platform spins instead of failing.
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
        const then = ctx.policy().policy.gvisor.kvmHostCheck === 'enforce' ? 'create refuses every gVisor container (gvisor.kvmHostCheck "enforce")' : 'gVisor containers are tried anyway and hang in create until gvisor.createTimeoutSeconds (gvisor.kvmHostCheck "warn")';
        return { status: 'fail', summary: `platform kvm (${why}) cannot work: ${gvisorKvmReason(kvm)}; ${then}`, fix: 'set gvisor.platform to "auto" (ptrace or systrap) in the policy', facts };
      }
      return { status: 'ok', summary: `platform kvm (${why}): ${kvm.reason}`, detail: 'not test-run: judged from /dev/kvm', facts };
    }
    if (!ctx.host.isRoot) {
      return { status: 'skip', summary: `platform ${platform} (${why}); not test-run: runsc do needs root`, facts };
    }
    const root = ctx.host.makeTempDir();
    try {
      const r = ctx.host.run(runsc.path, ['--root', join(root, 'runsc'), '--network=none', `--platform=${platform}`, 'do', 'uname', '-r'], PROBE_TIMEOUT_MS);
      const kernel = r.stdout.trim().split('\n')[0] ?? '';
      if (r.error || r.status !== 0 || kernel === '') {
        const why2 = r.error ?? (r.stderr.trim().split('\n').at(-1) || `exit ${r.status}`);
        return {
          status: 'fail',
          summary: `platform ${platform} (${why}) does not run a sandbox: ${why2}`,
          detail: `ran ${runsc.path} --network=none --platform=${platform} do uname -r`,
          fix: platform === 'ptrace' ? 'ptrace must be allowed (no seccomp/AppArmor/Yama rule blocking PTRACE_ATTACH for root)' : 'try gvisor.platform "ptrace" in the policy',
          facts: { ...facts, probed: true },
        };
      }
      return { status: 'ok', summary: `platform ${platform} (${why}) runs a sandbox: its kernel says ${kernel}`, facts: { ...facts, probed: true, sandboxKernel: kernel } };
    } finally {
      ctx.host.removeDir(root);
    }
  },
};
