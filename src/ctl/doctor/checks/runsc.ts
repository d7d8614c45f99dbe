import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** runscCheck: gVisor's runsc, as policy gvisor.runsc names it, is found and says its version. */
export const runscCheck: DoctorCheck<DoctorContext> = {
  id: 'runsc',
  run(ctx): Finding {
    const runsc = ctx.runsc();
    if ('missing' in runsc) {
      return {
        status: 'fail',
        summary: `${runsc.missing}: gVisor containers cannot start`,
        fix: 'install gVisor (Debian: apt-get install runsc; or a release from gvisor.dev), or set gvisor.runsc in the policy to its path',
        facts: { found: false },
      };
    }
    const date = runsc.version.date;
    return {
      status: 'ok',
      summary: `${runsc.path}: runsc ${runsc.version.raw}${date ? ` (released ${String(date).replace(/(\d{4})(\d\d)(\d\d)/, '$1-$2-$3')})` : ''}`,
      facts: { found: true, path: runsc.path, version: runsc.version.raw, releaseDate: date ?? null },
    };
  },
};
