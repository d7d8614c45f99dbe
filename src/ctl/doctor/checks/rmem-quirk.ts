import { decideRmemWorkaround, RMEM_FIXED_IN } from '../../../isolation/gvisor/rmem-quirk.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';
import type { DoctorHost } from '../host.js';

// The runtime's own probe (probeKernelNamespacesRmem) reads only the exit status; doctor also
// needs to tell "file absent" from "could not make a netns" (not root), hence the echo.
const PROBE = 'if test -e /proc/sys/net/core/rmem_default; then echo present; else echo absent; fi';

/** probeRmemInFreshNetns says whether a new network namespace shows net.core.rmem_default; a string is why it could not tell. */
function probeRmemInFreshNetns(host: DoctorHost): boolean | string {
  const unshare = host.which('unshare');
  if (!unshare) return 'unshare not found on PATH (util-linux)';
  const r = host.run(unshare, ['--net', '/bin/sh', '-c', PROBE]);
  const answer = r.stdout.trim();
  if (answer === 'present') return true;
  if (answer === 'absent') return false;
  return `unshare --net failed: ${r.error ?? (r.stderr.trim() || `exit ${r.status}`)}${host.isRoot ? '' : ' (needs root)'}`;
}

/**
 * rmemQuirkCheck: runsc before release-20240807 refuses every networked container on kernels that
 * namespace net.core.rmem_default (gvisor #10704); msb works around it. Reports whether the quirk
 * exists here and whether the workaround applies under the policy's gvisor.rmemWorkaround.
 */
export const rmemQuirkCheck: DoctorCheck<DoctorContext> = {
  id: 'rmem-quirk',
  run(ctx): Finding {
    const runsc = ctx.runsc();
    if ('missing' in runsc) return { status: 'skip', summary: 'no runsc to judge (see runsc)' };
    const mode = ctx.policy().policy.gvisor.rmemWorkaround;
    let probed: boolean | string | undefined;
    const probe = (): boolean => {
      probed ??= probeRmemInFreshNetns(ctx.host);
      return probed === true;
    };
    const needed = decideRmemWorkaround('auto', runsc.version, probe);
    // Whatever the mode: with "never" an undecided probe must not read as "not needed".
    if (typeof probed === 'string') {
      return {
        status: 'warn',
        summary: `cannot tell whether the kernel namespaces net.core.rmem_default: ${probed}`,
        detail: `runsc ${runsc.version.raw} is older than release-${RMEM_FIXED_IN}; the runtime probes again at create (as root)`,
        fix: 'run msbctl doctor as root',
        facts: { quirk: null, applied: null, mode },
      };
    }
    const applied = decideRmemWorkaround(mode, runsc.version, probe);
    const kernel = probed === undefined ? 'not probed' : probed === true ? 'namespaced' : 'not namespaced';
    const facts = { quirk: needed.apply, applied: applied.apply, mode, runscVersion: runsc.version.raw, kernel: ctx.host.kernelRelease, kernelRmem: kernel };
    const detail = `kernel ${ctx.host.kernelRelease}: rmem_default ${kernel} in a fresh netns; runsc ${runsc.version.raw}; policy gvisor.rmemWorkaround=${mode}`;
    if (needed.apply && !applied.apply) {
      return {
        status: 'fail',
        summary: `runsc will refuse every networked container ("cannot run with network enabled in root network namespace", gvisor #10704): ${needed.reason}, and the workaround is off (${applied.reason})`,
        detail,
        fix: 'set gvisor.rmemWorkaround to "auto" in the policy, or install runsc release-20240807 or newer',
        facts,
      };
    }
    if (applied.apply) {
      for (const tool of ['unshare', 'mount']) {
        if (!ctx.host.which(tool)) {
          return {
            status: 'fail',
            summary: `the rmem_default workaround applies but ${tool} is not on PATH`,
            detail,
            fix: 'install util-linux (mount, unshare)',
            facts,
          };
        }
      }
      return {
        status: 'ok',
        summary: `workaround applies: ${applied.reason}; msb runs runsc in a private mount namespace with an empty /proc/sys/net`,
        detail,
        facts,
      };
    }
    return { status: 'ok', summary: `workaround not needed: ${needed.reason}`, detail, facts };
  },
};
