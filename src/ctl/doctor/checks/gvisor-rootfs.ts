import { overlayFlagFor } from '../../../isolation/gvisor/rootfs-writes.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** FILE_WORK_COST is what Docker's view costs on the file workload, measured here (docs/gvisor.md "Root filesystem writes"). */
const FILE_WORK_COST = 'untar of 10,000 small files plus find | xargs cat: see docs/gvisor.md for the measured cost';

/**
 * gvisorRootfsCheck says where gVisor containers' root filesystem writes go (policy
 * gvisor.rootfsWrites) and what that trades: "docker" (the default) keeps Docker's view (diff,
 * cp, commit, export, restart) at some cost in file work; "sandbox" is runsc's own overlay,
 * faster, but Docker never sees the writes and a restart drops them, so it warns.
 */
export const gvisorRootfsCheck: DoctorCheck<DoctorContext> = {
  id: 'gvisor-rootfs',
  run(ctx): Finding {
    const { policy } = ctx.policy();
    const { rootfsWrites, allowRootfsWritesAnnotation } = policy.gvisor;
    const runsc = ctx.runsc();
    const version = 'missing' in runsc ? undefined : runsc.version;
    const flag = version ? overlayFlagFor(rootfsWrites, version) : undefined;
    const annotation = allowRootfsWritesAnnotation
      ? 'containers may choose with the annotation io.msb.gvisor.rootfs-writes (policy gvisor.allowRootfsWritesAnnotation)'
      : 'the annotation io.msb.gvisor.rootfs-writes is refused (policy gvisor.allowRootfsWritesAnnotation is false)';
    const facts = { rootfsWrites, annotationAllowed: allowRootfsWritesAnnotation, runscFlag: flag ?? null };
    const withFlag = flag ? ` (runsc ${flag})` : '';
    if (rootfsWrites === 'docker') {
      return {
        status: 'ok',
        summary: `rootfs writes go to Docker's container layer${withFlag}: docker diff, cp, commit and export see them and restart keeps them; runsc's in-sandbox overlay would be faster on file work`,
        detail: `${annotation}; ${FILE_WORK_COST}`,
        facts,
      };
    }
    return {
      status: 'warn',
      summary: `rootfs writes stay in runsc's in-sandbox overlay${withFlag} (policy gvisor.rootfsWrites=sandbox): docker diff, cp, commit and export miss them, and docker restart or stop/start throws them away`,
      detail: `${annotation}; keep data that must last in volumes; ${FILE_WORK_COST}`,
      fix: 'set gvisor.rootfsWrites to "docker" in the policy (or keep "sandbox" only where every container keeps its state in volumes)',
      facts,
    };
  },
};
