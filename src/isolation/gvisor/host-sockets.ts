import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { HOST_UDS_ANNOTATION } from '../annotations.js';
import type { PermittedAccess, SocketAccess } from '../host-socket-policy.js';

/** HostUds is runsc's --host-uds: which host Unix sockets the sandbox may connect to or create. */
export type HostUds = 'none' | 'open' | 'create' | 'all';

/**
 * HostUdsSupport is what a runsc binary offers: the --host-uds=none|open|create|all flag (Debian's
 * 0.0~20221219 and later), only the older boolean --fsgofer-host-uds (all or nothing), or neither.
 */
export type HostUdsSupport = 'levels' | 'boolean' | 'none';

/** hostUdsOf is the narrowest --host-uds value that gives the accesses asked for. */
export function hostUdsOf(access: Iterable<SocketAccess>): HostUds {
  const set = new Set(access);
  if (set.has('open') && set.has('create')) return 'all';
  if (set.has('open')) return 'open';
  if (set.has('create')) return 'create';
  return 'none';
}

/** accessOf lists what a --host-uds value gives. */
export function accessOf(level: HostUds): SocketAccess[] {
  return level === 'all' ? ['open', 'create'] : level === 'none' ? [] : [level];
}

/** parseHostUdsSupport reads `runsc flags` (runsc prints its flag list on stderr). */
export function parseHostUdsSupport(flagsOutput: string): HostUdsSupport {
  if (/^\s*-host-uds\s+value\b/m.test(flagsOutput)) return 'levels';
  if (/^\s*-fsgofer-host-uds\b/m.test(flagsOutput)) return 'boolean';
  return 'none';
}

/** HostUdsInputs are what the --host-uds decision rests on. */
export interface HostUdsInputs {
  /** What the container's socket mounts and control sockets need. */
  needed: SocketAccess[];
  /** The container's dev.gvisor.flag.host-uds annotation, if any (already checked for syntax). */
  annotation?: HostUds;
  permitted: PermittedAccess;
  policySource: string;
}

/**
 * decideHostUds gives runsc the narrowest --host-uds that serves the container's mounts, widened
 * by its dev.gvisor.flag.host-uds annotation only as far as policy permits this container.
 */
export function decideHostUds(i: HostUdsInputs): HostUds {
  const wanted = new Set<SocketAccess>(i.needed);
  if (i.annotation !== undefined) {
    for (const access of accessOf(i.annotation)) {
      if (i.permitted[access] === undefined) {
        const has = i.permitted.open ? `only open (${i.permitted.open})` : i.permitted.create ? `only create (${i.permitted.create})` : 'no host sockets';
        const needs = access === 'open' ? 'a sockets.connect rule' : 'a sockets.listen or sockets.control rule';
        throw new MsbError(
          'forbidden',
          `gvisor: annotation ${HOST_UDS_ANNOTATION}=${i.annotation} is not allowed: policy ${i.policySource} allows this container ${has}; ${access} needs ${needs} that selects it`,
        );
      }
      wanted.add(access);
    }
  }
  return hostUdsOf(wanted);
}

/**
 * runscHostUdsArgs turns the decision into runsc flags. A runsc with only the boolean
 * --fsgofer-host-uds can grant nothing narrower than all: msb uses it only when policy permits
 * this container both accesses, and refuses otherwise rather than grant more than policy says.
 */
export function runscHostUdsArgs(level: HostUds, support: HostUdsSupport, permitted: PermittedAccess, runscVersion: string): string[] {
  if (level === 'none') return [];
  if (support === 'levels') return [`--host-uds=${level}`];
  if (support === 'boolean' && permitted.open !== undefined && permitted.create !== undefined) return ['--fsgofer-host-uds'];
  const what =
    support === 'boolean' ? 'can only allow all host sockets (--fsgofer-host-uds), more than policy permits this container' : 'has no --host-uds flag';
  throw new MsbError('host-unsupported', `gvisor: this container needs --host-uds=${level}, but runsc ${runscVersion} ${what}; install a newer runsc`);
}

/**
 * dropHostUdsAnnotation removes dev.gvisor.flag.host-uds from the spec runsc reads once msb has
 * turned it into a flag: runsc refuses any dev.gvisor.flag.* annotation without
 * --allow-flag-override ("flag override disabled"), which msb does not pass.
 */
export function dropHostUdsAnnotation(spec: Spec): Spec {
  if (spec.annotations?.[HOST_UDS_ANNOTATION] === undefined) return spec;
  const { [HOST_UDS_ANNOTATION]: _dropped, ...annotations } = spec.annotations;
  return { ...spec, annotations };
}
