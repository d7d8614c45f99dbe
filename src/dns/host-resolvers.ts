import { readFileSync } from 'node:fs';
import { isLoopback, parseResolvConf } from './resolv-conf.js';

/** DOCKER_FALLBACK_RESOLVERS are the servers Docker uses when the host has only local ones. */
export const DOCKER_FALLBACK_RESOLVERS: readonly string[] = ['8.8.8.8', '8.8.4.4'];

/** SYSTEMD_RESOLVED_UPSTREAMS is where systemd-resolved lists the real servers. */
export const SYSTEMD_RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';

/**
 * hostResolvers returns the resolvers Docker itself would give a container: the host's
 * /etc/resolv.conf servers, or systemd-resolved's upstream list when the host points at its
 * local stub, without loopback addresses, else Docker's public fallbacks.
 */
export function hostResolvers(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const tryRead = (p: string): string[] => {
    try {
      return parseResolvConf(read(p)).nameservers;
    } catch {
      return [];
    }
  };
  let servers = tryRead('/etc/resolv.conf');
  if (servers.includes('127.0.0.53')) servers = tryRead(SYSTEMD_RESOLVED_UPSTREAMS);
  const usable = servers.filter((s) => !isLoopback(s));
  return usable.length > 0 ? usable : [...DOCKER_FALLBACK_RESOLVERS];
}
