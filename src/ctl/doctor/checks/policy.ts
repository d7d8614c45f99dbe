import { BACKENDS } from '../../../isolation/backends.js';
import { selectBackend } from '../../../isolation/select-backend.js';
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
    try {
      // What a container that asks for nothing gets: the runtime's own choice, with create's message.
      selectBackend(policy, undefined, undefined, Object.keys(BACKENDS));
    } catch (err) {
      return {
        status: 'fail',
        summary: `every container that names no sandbox fails create: ${(err as Error).message}`,
        fix: `set isolation.default in ${policy.source} to one of: ${
          Object.keys(BACKENDS)
            .filter((b) => i.allowed.includes(b))
            .join(', ') || '(none allowed: fix isolation.allowed too)'
        }`,
        facts: { source: policy.source, valid: true, defaultIsolation: i.default },
      };
    }
    return {
      status: 'ok',
      summary: `${policy.source}: default isolation ${i.default}, allowed ${i.allowed.join(', ')}`,
      detail: `annotation io.msb.isolation ${i.allowAnnotation ? 'honoured' : 'ignored'}; runtime argument --isolation ${i.allowRuntimeArgs ? 'honoured' : 'ignored'}; gvisor.platform ${policy.gvisor.platform}; gvisor.rmemWorkaround ${policy.gvisor.rmemWorkaround}`,
      facts: { source: policy.source, valid: true, defaultIsolation: i.default },
    };
  },
};
