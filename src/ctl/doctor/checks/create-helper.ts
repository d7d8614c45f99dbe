import { join } from 'node:path';
import { HELPER_CLIENT, HELPER_ID_FILE, helperDir, helperFiles } from '../../../oci/create-helper/helper-paths.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/**
 * createHelperCheck says whether creates of this checkout start Node (docs/create-helper.md): the
 * client must be built (it needs a C compiler at build time) and the policy must leave the
 * helper on; whether a helper runs right now is a fact, not a problem (the next create starts one).
 */
export const createHelperCheck: DoctorCheck<DoctorContext> = {
  id: 'create-helper',
  run(ctx): Finding {
    if (!ctx.policy().policy.createHelper.enabled) {
      return {
        status: 'skip',
        summary: 'turned off by the policy (createHelper.enabled: false): every create starts Node',
        facts: { client: null, running: false },
      };
    }
    const dist = join(ctx.host.checkout, 'dist');
    const idFile = join(dist, HELPER_ID_FILE);
    const id = ctx.host.exists(idFile) ? ctx.host.readFile(idFile).trim() : undefined;
    if (!id || !ctx.host.isExecutable(join(dist, HELPER_CLIENT))) {
      return {
        status: 'warn',
        summary: `no create helper client in ${dist}: every create starts Node (32–110 ms more per create, docs/benchmarks.md)`,
        fix: 'install a C compiler (apt-get install gcc libc6-dev), then npm run build',
        facts: { client: false, running: false },
      };
    }
    const files = helperFiles(helperDir(), id);
    const pid = ctx.host.exists(files.pid) ? Number(ctx.host.readFile(files.pid).trim()) : undefined;
    const running = pid !== undefined && ctx.host.exists(`/proc/${pid}`) && ctx.host.exists(files.socket);
    return {
      status: 'ok',
      summary: running
        ? `running (pid ${pid}, build ${id}): creates start no Node`
        : `client built (build ${id}); no helper runs now, the next create starts one`,
      detail: `socket ${files.socket}, log ${files.log}`,
      facts: { client: true, running, pid: running ? (pid as number) : null, build: id },
    };
  },
};
