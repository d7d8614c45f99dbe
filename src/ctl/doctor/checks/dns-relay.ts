import type { RelayStatus } from '../../../dns/relay-client.js';
import { relayProblems } from '../../../dns/relay-health.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

interface RelayNetwork {
  address: string;
  error?: string;
  containers: string[];
}

/**
 * dnsRelayCheck: the DNS relay that keeps Docker's service names working under gVisor
 * (docs/dns.md). A relay that is not running is fine: the first create that needs it starts it.
 * Warnings: the policy turned it off (names do not resolve), or it cannot listen on a network's
 * gateway (another DNS server holds port 53 there).
 */
export const dnsRelayCheck: DoctorCheck<DoctorContext> = {
  id: 'dns-relay',
  async run(ctx): Promise<Finding> {
    const { policy } = ctx.policy();
    if (!policy.isolation.allowed.includes('gvisor')) return { status: 'skip', summary: 'policy does not allow gvisor, the only backend that needs the relay' };
    const s: RelayStatus = await ctx.host.relayStatus();
    if (!policy.dns.relay) {
      return {
        status: 'warn',
        summary: 'the DNS relay is off (policy dns.relay is false): gVisor containers on user-defined networks cannot resolve other containers by name',
        fix: 'remove "relay": false from the dns section of the policy',
        facts: { enabled: false, running: s.running },
      };
    }
    if (!s.running) {
      return {
        status: 'ok',
        summary: 'not running; the first gVisor container on a user-defined network starts it (or run it as a service: configs/msb-dns.service)',
        detail: s.reason,
        facts: { enabled: true, running: false },
      };
    }
    const st = s.status as { pid?: number; networks?: RelayNetwork[]; containers?: unknown[] };
    const networks = st.networks ?? [];
    const containers = st.containers?.length ?? 0;
    const facts = { enabled: true, running: true, pid: st.pid ?? null, networks: networks.length, containers };
    const deaf = networks.filter((n) => n.error);
    const summary = `running (pid ${st.pid ?? '?'}), serving ${containers} container(s) on ${networks.length} network(s)`;
    const problems = relayProblems(s.status);
    if (problems.failures.length > 0) {
      return {
        status: 'fail',
        summary: `${summary}, but FAILING: ${problems.failures.join('; ')}`,
        fix: `msbctl dns status shows what fails; kill ${st.pid ?? 'the relay'} so the next container start runs a relay from the installed msb`,
        facts: { ...facts, failures: problems.failures.length },
      };
    }
    if (problems.warnings.length > 0)
      return {
        status: 'warn',
        summary: `${summary}; ${problems.warnings.join('; ')}`,
        fix: `kill ${st.pid ?? 'the relay'}: the next container start runs the installed build`,
        facts,
      };
    if (deaf.length > 0) {
      return {
        status: 'warn',
        summary: `${summary}; NOT LISTENING on ${deaf.map((n) => `${n.address}:53 (${n.error})`).join(', ')}`,
        fix: 'free port 53 on those gateway addresses (a host DNS server bound to 0.0.0.0:53 takes it), then restart the containers',
        facts,
      };
    }
    return { status: 'ok', summary, facts };
  },
};
