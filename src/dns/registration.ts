import { isIPv4 } from 'node:net';
import type { EgressNames } from '../egress/name-policy.js';

/** DEFAULT_RATE_LIMIT is the queries per second one container may ask the relay (bursts of twice that). */
export const DEFAULT_RATE_LIMIT = 10_000;

/**
 * Registration is what the relay knows about one sandboxed container: where its network
 * namespace is (to ask Docker's embedded DNS there), which source addresses are its own, which
 * gateway addresses it asks, and where names Docker does not know go.
 */
export interface Registration {
  id: string;
  /** The record directory (the registration lives while <dir>/dns.json exists); absent for synthetic ones. */
  dir?: string;
  /** The sandbox process whose netns Docker configured. */
  pid: number;
  /** /proc/<pid>/ns/net, or another path to the same namespace. */
  netns: string;
  /** The netns inode at registration: a reused pid with another namespace is not this container. */
  netnsInode?: number;
  /** The container's IPv4 addresses on Docker networks (the sources its queries come from). */
  addresses: string[];
  /** The host's address on each of those networks (the relay listens there). */
  gateways: string[];
  /** Upstream resolvers for names Docker's embedded DNS does not answer: --dns, policy, else the host's. */
  upstreams: string[];
  /** Queries per second this container may ask. */
  rateLimit: number;
  /** How long answers may be reused (AnswerCache); 0 asks every time. */
  cacheMs?: number;
  /** The container's enforced egress profile (its record's egress.json): which names are answered and which addresses learned. */
  egress?: EgressNames;
}

/** parseEgressNames checks the egress part of a registration (msb writes it; a malformed one is refused, never ignored). */
function parseEgressNames(v: unknown): EgressNames {
  const e = v as Partial<EgressNames> | null;
  const ok =
    typeof e === 'object' &&
    e !== null &&
    Array.isArray(e.names) &&
    e.names.every(
      (r) =>
        typeof r?.name === 'string' &&
        (r.kind === 'domain' || r.kind === 'suffix') &&
        (r.action === 'allow' || r.action === 'deny') &&
        typeof r.set === 'string' &&
        /^n_[0-9a-f]{16}_\d+$/.test(r.set),
    ) &&
    (e.otherNames === 'answer' || e.otherNames === 'peers-only') &&
    typeof e.peers === 'boolean' &&
    typeof e.dnsRebindProtection === 'boolean' &&
    Array.isArray(e.networks) &&
    e.networks.every((n) => typeof n?.address === 'string' && isIPv4(n.address) && typeof n.prefix === 'number');
  if (!ok) throw new RegistrationError('registration egress is malformed');
  return { names: e.names, otherNames: e.otherNames, peers: e.peers, dnsRebindProtection: e.dnsRebindProtection, networks: e.networks } as EgressNames;
}

/** RegistrationError names what is wrong with a registration. */
class RegistrationError extends Error {}

/** parseRegistration checks untrusted registration JSON (a file or a control message). */
export function parseRegistration(value: unknown): Registration {
  if (typeof value !== 'object' || value === null) throw new RegistrationError('registration is not an object');
  const r = value as Record<string, unknown>;
  const strings = (key: string, check: (s: string) => boolean): string[] => {
    const v = r[key];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && check(s)))
      throw new RegistrationError(`registration ${key} must be a list of IPv4 addresses`);
    return v as string[];
  };
  if (typeof r.id !== 'string' || !/^[\w+.-]+$/.test(r.id)) throw new RegistrationError('registration id is missing or invalid');
  if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) throw new RegistrationError('registration pid must be a positive integer');
  if (typeof r.netns !== 'string' || !r.netns.startsWith('/')) throw new RegistrationError('registration netns must be an absolute path');
  const rateLimit = r.rateLimit === undefined ? DEFAULT_RATE_LIMIT : r.rateLimit;
  if (typeof rateLimit !== 'number' || !(rateLimit > 0)) throw new RegistrationError('registration rateLimit must be a positive number');
  const reg: Registration = {
    id: r.id,
    pid: r.pid,
    netns: r.netns,
    addresses: strings('addresses', isIPv4),
    gateways: strings('gateways', isIPv4),
    upstreams: strings('upstreams', isIPv4),
    rateLimit,
  };
  if (typeof r.dir === 'string') reg.dir = r.dir;
  if (r.cacheMs !== undefined) {
    if (typeof r.cacheMs !== 'number' || !(r.cacheMs >= 0)) throw new RegistrationError('registration cacheMs must be a number ≥ 0');
    reg.cacheMs = r.cacheMs;
  }
  if (typeof r.netnsInode === 'number') reg.netnsInode = r.netnsInode;
  if (r.egress !== undefined) reg.egress = parseEgressNames(r.egress);
  if (reg.addresses.length === 0 || reg.gateways.length === 0) throw new RegistrationError('registration needs at least one address and one gateway');
  return reg;
}
