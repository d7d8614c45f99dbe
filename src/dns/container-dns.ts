import { readFileSync, writeFileSync } from 'node:fs';
import { registerWithRelay } from './relay-registration-step.js';
import { containerResolvConf, relayResolvConf } from './rewrite-resolv-conf.js';

/** DNS_AT_START_FILE, in a container's record directory, holds its ContainerDns until start finishes it (Docker 28+). */
export const DNS_AT_START_FILE = 'dns-at-start.json';

/** DnsPolicy is the part of msb's policy that decides a container's DNS. */
interface DnsPolicy {
  upstreams: readonly string[];
  relay: boolean;
  rateLimit: number;
  cacheMs: number;
}

/** ContainerDns is what finishing a sandboxed container's resolv.conf needs, at create or at start. */
export interface ContainerDns {
  id: string;
  /** The container's record directory (dns.json goes there). */
  dir: string;
  /** The sandbox's pid, whose network namespace Docker configured. */
  pid?: number;
  /** Docker's resolv.conf (never edited). */
  dockerResolvConf: string;
  /** msb's resolv.conf, bind-mounted at /etc/resolv.conf in the sandbox. */
  generatedPath: string;
  /** The servers that replace 127.0.0.11 when the container cannot use the relay. */
  upstreams: readonly string[];
  policy: DnsPolicy;
  /** Where the netns's fib_trie and route were copied (restore: runsc moved the addresses into the sandbox before msb could read them). */
  netDir?: string;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // Docker has not written it: the container gets an empty resolv.conf, as it would.
  }
}

/** writeUpstreamResolvConf fills msb's resolv.conf from Docker's with the upstream resolvers in place of 127.0.0.11. */
export function writeUpstreamResolvConf(c: Pick<ContainerDns, 'dockerResolvConf' | 'generatedPath' | 'upstreams'>): void {
  writeFileSync(c.generatedPath, containerResolvConf(readOrEmpty(c.dockerResolvConf), c.upstreams, c.dockerResolvConf), { mode: 0o644 });
}

/**
 * finishContainerDns runs once Docker has set the container's network up (after create on
 * Docker ≤ 27, before start on Docker 28+): it registers the container with the DNS relay and
 * points msb's resolv.conf at it, else at the upstream resolvers. DNS never fails the
 * container: a failed registration keeps the upstreams, and the log says why. The file is
 * rewritten in place (the same inode stays bind-mounted in the sandbox).
 */
export function finishContainerDns(c: ContainerDns, debug: (msg: string) => void): void {
  const dockerText = readOrEmpty(c.dockerResolvConf);
  let relay: string | undefined;
  try {
    relay = registerWithRelay({
      id: c.id,
      dir: c.dir,
      pid: c.pid,
      dockerResolvConf: c.dockerResolvConf,
      dockerText,
      policy: c.policy,
      netDir: c.netDir,
      debug,
    });
  } catch (err) {
    debug(`dns: no relay registration: ${(err as Error).message}; container names will not resolve`);
  }
  if (relay) writeFileSync(c.generatedPath, relayResolvConf(dockerText, relay, c.dockerResolvConf), { mode: 0o644 });
  else writeUpstreamResolvConf(c);
}
