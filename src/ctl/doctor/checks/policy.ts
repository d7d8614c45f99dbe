import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** policyCheck: the policy file the runtime reads loads and validates (a bad one fails every create). */
export const policyCheck: DoctorCheck<DoctorContext> = {
  id: 'policy',
  run(ctx): Finding {
    const { policy, path, error } = ctx.policy();
    if (error) {
      return {
        status: 'fail',
        summary: `every create fails: ${error}`,
        fix: 'fix the key it names (docs/operator-guide.md lists them all), or remove the file to use the built-in defaults',
        facts: { source: path, valid: false },
      };
    }
    const i = policy.isolation;
    return {
      status: 'ok',
      summary: `${policy.source}: default isolation ${i.default}, allowed ${i.allowed.join(', ')}`,
      detail: `annotation io.msb.isolation ${i.allowAnnotation ? 'honoured' : 'ignored'}; runtime argument --isolation ${i.allowRuntimeArgs ? 'honoured' : 'ignored'}; gvisor.platform ${policy.gvisor.platform}; gvisor.rmemWorkaround ${policy.gvisor.rmemWorkaround}`,
      facts: { source: policy.source, valid: true, defaultIsolation: i.default },
    };
  },
};
