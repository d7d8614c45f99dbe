import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/**
 * dnsRelayCheck: the state of the DNS relay that keeps Docker's service names working under
 * gVisor (docs/dns.md). The relay answers through host.dnsRelayProbe (src/ctl/doctor/dns-relay-probe.ts);
 * without one the check says whether relay code exists at all, and never invents a state.
 */
export const dnsRelayCheck: DoctorCheck<DoctorContext> = {
  id: 'dns-relay',
  async run(ctx): Promise<Finding> {
    const probe = ctx.host.dnsRelayProbe;
    if (probe) return probe();
    const modules = ctx.host.relayModules();
    if (modules.length === 0) {
      return {
        status: 'skip',
        summary: 'DNS relay not part of this build: service names on user-defined networks do not resolve under gVisor (docs/dns.md)',
        facts: { built: false },
      };
    }
    return {
      status: 'warn',
      summary: `relay code is built in (${modules.join(', ')}) but doctor has no probe for its state`,
      fix: 'wire the relay\'s status function into src/ctl/doctor/dns-relay-probe.ts',
      facts: { built: true },
    };
  },
};
