import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { containerRegistration } from './container-registration.js';
import { hostResolvers } from './host-resolvers.js';
import { REGISTRATION_FILE } from './paths.js';
import { notifyRelay, rememberRoot } from './relay-client.js';
import { trackPending } from './pending-work.js';
import { DOCKER_EMBEDDED_DNS, parseResolvConf } from './resolv-conf.js';
import { writeFileAtomic } from '../base/record.js';

/** RelayStepInputs are what the gVisor backend passes once Docker has set the container's network up. */
export interface RelayStepInputs {
  id: string;
  dir: string;
  /** The sandbox's pid (runsc create's pid file). */
  pid?: number;
  dockerResolvConf: string;
  dockerText: string;
  policy: { upstreams: readonly string[]; relay: boolean; rateLimit: number; cacheMs: number };
  /** Where the netns's addresses were copied, when they are no longer in /proc/<pid>/net (restore). */
  netDir?: string;
  debug: (msg: string) => void;
}

/** readPid reads a pid file runsc create wrote, or undefined. */
export function readPid(pidFile: string | undefined): number | undefined {
  if (!pidFile) return undefined;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * registerWithRelay registers a gVisor container with the host's DNS relay when Docker
 * gave it the embedded DNS (127.0.0.11): it writes <record>/dns.json, tells the relay (starting
 * it if none runs) and returns the relay address for resolv.conf, or undefined (with the reason
 * in the log) when the container must make do with the upstream resolvers.
 */
export function registerWithRelay(i: RelayStepInputs): string | undefined {
  if (!parseResolvConf(i.dockerText).nameservers.includes(DOCKER_EMBEDDED_DNS)) return undefined; // the default bridge: real servers
  if (!i.policy.relay) {
    i.debug('dns: relay disabled by policy dns.relay=false; container names will not resolve');
    return undefined;
  }
  const pid = i.pid;
  if (!pid) {
    i.debug('dns: no pid file from runsc create, so no relay registration; container names will not resolve');
    return undefined;
  }
  if (statSync(`/proc/${pid}/ns/net`).ino === statSync('/proc/self/ns/net').ino) {
    i.debug('dns: the sandbox shares the host network namespace; no relay registration');
    return undefined;
  }
  const r = containerRegistration({
    id: i.id,
    dir: i.dir,
    pid,
    dockerResolvConf: i.dockerResolvConf,
    policyUpstreams: i.policy.upstreams,
    hostResolvers,
    rateLimit: i.policy.rateLimit,
    cacheMs: i.policy.cacheMs,
    netDir: i.netDir,
  });
  if ('reason' in r) {
    i.debug(`dns: no relay registration: ${r.reason}; container names will not resolve`);
    return undefined;
  }
  const { dir: _dir, ...file } = r.reg;
  writeFileAtomic(join(i.dir, REGISTRATION_FILE), `${JSON.stringify(file)}\n`, 0o600);
  rememberRoot(dirname(i.dir));
  i.debug(`dns: registered ${r.reg.addresses.join(', ')} with the relay on ${r.reg.gateways.join(', ')}; upstreams ${r.reg.upstreams.join(', ')}`);
  // Not awaited here: the Node path's process exits once the notification is out (its event loop
  // drains); the create helper awaits it before it answers (pending-work.ts).
  trackPending(notifyRelay(i.dir));
  return r.nameserver;
}
