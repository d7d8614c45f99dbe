import { MsbError } from '../base/errors.js';
import { type EgressRule, parseRules } from './rule-grammar.js';

/** ProfileDefinition is one profile as the operator writes it in policy egress.profiles. */
export interface ProfileDefinition {
  /** msb rule tokens (each string may hold several, comma-separated). */
  rules: string[];
  /** Peers on the container's own Docker networks (by service name or address) stay reachable. Default true. */
  peers?: boolean;
  /** Drop DNS answers for public names that point at private or link-local addresses. Default true. */
  dnsRebindProtection?: boolean;
  /** Egress bandwidth, msb's SIZE[/DURATION] (e.g. "10M/1s"). */
  egressBandwidth?: string;
  /** One-time burst for egressBandwidth, msb's SIZE (e.g. "1M"). */
  egressBandwidthBurst?: string;
}

/** EgressProfile is a parsed profile: what a container may reach. */
export interface EgressProfile {
  name: string;
  /** false only for allow-all: nothing is filtered, nothing is installed on the host. */
  enforced: boolean;
  rules: EgressRule[];
  peers: boolean;
  dnsRebindProtection: boolean;
  egressBandwidth?: string;
  egressBandwidthBurst?: string;
}

/** ALLOW_ALL is today's behaviour and the default: no filter at all. */
export const ALLOW_ALL = 'allow-all';

/**
 * BUILTIN_PROFILES are the three profiles every policy has. public-only: public addresses and
 * the container's own Docker-network peers, nothing private, loopback, link-local or metadata,
 * and not the host itself except the relay's port 53. airgapped: only the peers (by name or
 * address) and the relay for their names.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileDefinition>> = {
  [ALLOW_ALL]: { rules: [], peers: true, dnsRebindProtection: false },
  'public-only': { rules: ['allow@public'], peers: true, dnsRebindProtection: true },
  airgapped: { rules: [], peers: true, dnsRebindProtection: true },
};

const SIZE = /^[1-9][0-9]*[KMG]?$/;
const RATE = /^[1-9][0-9]*[KMG]?(\/[1-9][0-9]*(ms|s|m))?$/;

/** parseProfile validates one definition; errors name the profile, the token and the reason. */
export function parseProfile(name: string, def: ProfileDefinition, source: string): EgressProfile {
  const where = `policy ${source}: egress profile ${JSON.stringify(name)}`;
  let rules: EgressRule[];
  try {
    rules = parseRules(def.rules);
  } catch (err) {
    throw new MsbError('invalid-policy', `${where}: ${(err as Error).message}`, { cause: err });
  }
  const ingress = rules.find((r) => r.direction !== 'egress');
  if (ingress)
    throw new MsbError(
      'invalid-policy',
      `${where}: egress rule ${JSON.stringify(ingress.token)}: profiles hold egress rules only (direction ${ingress.direction})`,
    );
  if (def.egressBandwidth !== undefined && !RATE.test(def.egressBandwidth)) {
    throw new MsbError('invalid-policy', `${where}: egressBandwidth ${JSON.stringify(def.egressBandwidth)} is not SIZE[/DURATION] (e.g. "10M/1s")`);
  }
  if (def.egressBandwidthBurst !== undefined) {
    if (def.egressBandwidth === undefined) throw new MsbError('invalid-policy', `${where}: egressBandwidthBurst needs egressBandwidth`);
    if (!SIZE.test(def.egressBandwidthBurst))
      throw new MsbError('invalid-policy', `${where}: egressBandwidthBurst ${JSON.stringify(def.egressBandwidthBurst)} is not a SIZE (e.g. "1M")`);
  }
  return {
    name,
    enforced: name !== ALLOW_ALL,
    rules,
    peers: def.peers ?? true,
    dnsRebindProtection: def.dnsRebindProtection ?? true,
    ...(def.egressBandwidth !== undefined ? { egressBandwidth: def.egressBandwidth } : {}),
    ...(def.egressBandwidthBurst !== undefined ? { egressBandwidthBurst: def.egressBandwidthBurst } : {}),
  };
}

/** allProfiles merges the built-in profiles with the operator's; a built-in name cannot be redefined. */
export function allProfiles(operator: Readonly<Record<string, ProfileDefinition>>, source: string): Record<string, EgressProfile> {
  const out: Record<string, EgressProfile> = {};
  for (const [name, def] of Object.entries(BUILTIN_PROFILES)) out[name] = parseProfile(name, def, source);
  for (const [name, def] of Object.entries(operator)) {
    if (name in BUILTIN_PROFILES)
      throw new MsbError(
        'invalid-policy',
        `policy ${source}: egress profile ${JSON.stringify(name)} is built in and cannot be redefined; give yours another name`,
      );
    out[name] = parseProfile(name, def, source);
  }
  return out;
}
