import { join } from 'node:path';

/** RELAY_STATE_DIR holds the relay's control socket, lock and list of runtime roots (root only). */
export const RELAY_STATE_DIR = '/run/msb-dns';

/** relayPaths are the files of a relay state directory. */
export function relayPaths(stateDir = RELAY_STATE_DIR): { stateDir: string; control: string; roots: string; supervisorLock: string; deniedNames: string } {
  return {
    stateDir,
    control: join(stateDir, 'control.sock'),
    roots: join(stateDir, 'roots'),
    supervisorLock: join(stateDir, 'supervisor.lock'),
    deniedNames: join(stateDir, 'egress-denied.jsonl'),
  };
}

/**
 * relayLock is the abstract socket whose exclusive bind makes one relay per state directory
 * (one per host for the default) active; the kernel frees it when its holder dies.
 */
export function relayLock(stateDir = RELAY_STATE_DIR): string {
  return stateDir === RELAY_STATE_DIR ? '\0msb-dns-relay-lock' : `\0msb-dns-relay-lock:${stateDir}`;
}

/** REGISTRATION_FILE is the file in a container's record directory that registers it with the relay. */
export const REGISTRATION_FILE = 'dns.json';
