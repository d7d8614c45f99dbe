import type { EgressProfile } from './profiles.js';

/** KrunNetwork is the network part of `msb run` for one profile, and what the translation approximated. */
export interface KrunNetwork {
  /** Flags for `msb run` (msb 0.6.18's --net, --net-rule, --net-default-egress, …). */
  args: string[];
  /** The container's own Docker networks become allow rules when the VMM starts (vmm-entry.ts): they are unknown at create. */
  peersAtStart: boolean;
  notes: string[];
}

/**
 * krunNetworkArgs translates an egress profile into msb's own flags, so the microVM path enforces
 * the same rules gVisor enforces on the host. allow-all keeps today's flags (`--net all`: msb's
 * default would deny every other container). Any other profile denies egress by default, allows
 * the gateway's DNS (`allow@dns`: msb filters answers by the same rules, as msb's relay does for
 * gVisor) and passes the profile's tokens unchanged: msb's grammar is the profile's grammar.
 * Peers are allowed by subnet at start. Rebind protection: msb's drops every private answer,
 * Docker's service names included, so with peers it is turned off in msb and the packet rules
 * alone keep private addresses off the container's networks unreachable (docs/egress.md).
 */
export function krunNetworkArgs(profile: EgressProfile, krunRebindProtection: boolean): KrunNetwork {
  if (!profile.enforced) {
    return { args: ['--net', 'all', ...(krunRebindProtection ? [] : ['--no-dns-rebind-protection'])], peersAtStart: false, notes: [] };
  }
  const notes: string[] = [];
  const args = ['--net-default-egress', 'deny', '--net-rule', 'allow@dns'];
  for (const r of profile.rules) args.push('--net-rule', r.token);
  if (!profile.dnsRebindProtection) {
    args.push('--no-dns-rebind-protection');
  } else if (profile.peers) {
    args.push('--no-dns-rebind-protection');
    notes.push(
      `egress ${profile.name}: msb's DNS rebind protection would refuse Docker's service names (private answers), so it is off in the microVM; packets to private addresses off the container's networks are still denied`,
    );
  }
  if (profile.egressBandwidth !== undefined) args.push('--net-egress-bandwidth', profile.egressBandwidth);
  if (profile.egressBandwidthBurst !== undefined) args.push('--net-egress-bandwidth-burst', profile.egressBandwidthBurst);
  return { args, peersAtStart: profile.peers, notes };
}
