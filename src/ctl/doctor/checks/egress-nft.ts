import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** PROBE_TABLE is the throw-away table the check makes and removes (msb's own is `inet msb`). */
const PROBE_TABLE = 'msb_doctor_probe';

/**
 * egressNftCheck proves that `nft` works here as gVisor egress enforcement uses it: a table in the
 * inet family with a base chain on the ingress hook of a device (kernel ≥ 5.10), made and
 * removed. Skipped when no profile but allow-all can be chosen (nothing is enforced), a failure
 * when the default profile needs it, a warning otherwise (only containers that pick an enforced
 * profile fail create).
 */
export const egressNftCheck: DoctorCheck<DoctorContext> = {
  id: 'egress-nft',
  run(ctx): Finding {
    const egress = ctx.policy().policy.egress;
    const choosable = [...new Set([egress.default, ...egress.allowed, ...Object.keys(egress.runtimes), ...Object.values(egress.runtimes).flat()])];
    const enforced = choosable.filter((n) => egress.profiles[n]?.enforced);
    if (enforced.length === 0)
      return { status: 'skip', summary: 'no egress profile but allow-all can be chosen: nothing is enforced, nft is not needed', facts: { found: null } };
    const bad = egress.profiles[egress.default]?.enforced ? 'fail' : 'warn';
    const fix = "apt-get install nftables (keep nftables.service disabled: its /etc/nftables.conf flushes Docker's tables); run msb as root";
    const path = ctx.host.which('nft');
    if (!path)
      return { status: bad, summary: `nft not found on PATH: gVisor containers under ${enforced.join(', ')} fail create`, fix, facts: { found: false } };
    if (!ctx.host.isRoot) return { status: 'skip', summary: `${path} found; proving it needs root`, facts: { found: true, path } };
    const version = (ctx.host.run(path, ['--version']).stdout || '').trim();
    ctx.host.run(path, ['delete', 'table', 'inet', PROBE_TABLE]); // a probe an earlier doctor left
    const made = ctx.host.run(path, [
      'add table inet',
      PROBE_TABLE,
      '; add chain inet',
      PROBE_TABLE,
      'probe { type filter hook ingress device lo priority -500 ; policy accept ; }',
    ]);
    const removed = ctx.host.run(path, ['delete', 'table', 'inet', PROBE_TABLE]);
    if (made.error || made.status !== 0) {
      const why = (made.error ?? made.stderr.trim().split('\n')[0]) || `exit ${made.status}`;
      return {
        status: bad,
        summary: `${path} cannot make an inet table with an ingress-hook chain: ${why}`,
        fix: `${fix}; the kernel needs nf_tables with inet ingress hooks (Linux ≥ 5.10)`,
        facts: { found: true, path, version },
      };
    }
    if (removed.status !== 0)
      return {
        status: 'warn',
        summary: `${path} made table inet ${PROBE_TABLE} but could not remove it: ${removed.stderr.trim()}`,
        fix: `nft delete table inet ${PROBE_TABLE}`,
        facts: { found: true, path, version },
      };
    return {
      status: 'ok',
      summary: `${path} (${version}) makes inet tables with ingress-hook chains: egress profiles ${enforced.join(', ')} can be enforced for gVisor`,
      facts: { found: true, path, version },
    };
  },
};
