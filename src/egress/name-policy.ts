import { inCidr4, isPublicIpv4 } from './address-groups.js';
import type { ContainerEgress, NameRule } from './host-enforcement.js';

/** NameVerdict is what the DNS relay does with one question under a container's profile. */
export type NameVerdict =
  | { kind: 'deny'; rule: string }
  /** Answer; learn the answer's addresses into `set` when a name rule allowed it. */
  | { kind: 'answer'; set?: string; rule?: string }
  /** Ask only Docker's resolver: only the peers' names are answered, nothing goes upstream. */
  | { kind: 'peers-only' };

/** EgressNames is the part of ContainerEgress the relay needs. */
export type EgressNames = Pick<ContainerEgress, 'names' | 'otherNames' | 'peers' | 'dnsRebindProtection' | 'networks'>;

function matches(rule: NameRule, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return rule.kind === 'domain' ? n === rule.name : n.endsWith(`.${rule.name}`);
}

/** nameVerdict applies a profile's name rules in order (the first that matches decides), else its rule for other names. */
export function nameVerdict(egress: EgressNames, name: string): NameVerdict {
  const rule = egress.names.find((r) => matches(r, name));
  if (rule) {
    const label = `${rule.action}@${rule.kind === 'suffix' ? '*.' : ''}${rule.name}`;
    return rule.action === 'deny' ? { kind: 'deny', rule: label } : { kind: 'answer', set: rule.set, rule: label };
  }
  return egress.otherNames === 'answer' ? { kind: 'answer' } : { kind: 'peers-only' };
}

/** isPeer says whether an address is on one of the container's own networks (and not the host's gateway there). */
export function isPeer(egress: Pick<EgressNames, 'networks'>, address: string): boolean {
  return egress.networks.some((n) => n.gateway !== address && inCidr4(address, `${n.address}/${n.prefix}`));
}

/**
 * rebindViolation names the first address of an upstream answer that is not public (a public
 * name must not lead into private, loopback or link-local space), or undefined. Docker's own
 * answers (the peers) never count.
 */
export function rebindViolation(addresses: readonly string[]): string | undefined {
  return addresses.find((a) => !a.includes(':') && !isPublicIpv4(a));
}
