import type { GroupName } from './rule-grammar.js';

/**
 * NOT_PUBLIC is every range that `public` excludes (issue 14): the rest of the address space is
 * public, so the documentation ranges (203.0.113.0/24, 198.51.100.0/24) tests use count as public.
 */
export const NOT_PUBLIC: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/**
 * GROUP_RANGES are the static address ranges of each group. `public` is the complement of
 * NOT_PUBLIC (enforced as "not in NOT_PUBLIC"); `host` is the host itself as the container
 * reaches it (its networks' gateway addresses), known only per container.
 */
export const GROUP_RANGES: Readonly<Record<Exclude<GroupName, 'public' | 'host'>, readonly string[]>> = {
  private: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  loopback: ['127.0.0.0/8', '::1/128'],
  'link-local': ['169.254.0.0/16', 'fe80::/10'],
  meta: ['169.254.169.254/32'],
  multicast: ['224.0.0.0/4', 'ff00::/8'],
};

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** inCidr4 tells whether an IPv4 address lies in an IPv4 CIDR. */
export function inCidr4(address: string, cidr: string): boolean {
  const [net = '', prefixText = '32'] = cidr.split('/');
  if (net.includes(':') || address.includes(':')) return false;
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  return Math.floor(ipv4ToInt(address) / size) === Math.floor(ipv4ToInt(net) / size);
}

/** isPublicIpv4 tells whether an IPv4 address is in the `public` group. */
export function isPublicIpv4(address: string): boolean {
  return !NOT_PUBLIC.some((c) => inCidr4(address, c));
}
