import { join } from 'node:path';

/** RELAY_STATE_DIR holds the relay's control socket, lock and list of runtime roots (root only). */
export const RELAY_STATE_DIR = '/run/msb-dns';

/** relayPaths are the files of a relay state directory. */
export function relayPaths(stateDir = RELAY_STATE_DIR): { stateDir: string; control: string; roots: string; supervisorLock: string } {
  return { stateDir, control: join(stateDir, 'control.sock'), roots: join(stateDir, 'roots'), supervisorLock: join(stateDir, 'supervisor.lock') };
}

/** RELAY_LOCK is the abstract socket whose exclusive bind makes one relay per host active (freed when its holder dies). */
export const RELAY_LOCK = '\0msb-dns-relay-lock';

/** REGISTRATION_FILE is the file in a container's record directory that registers it with the relay. */
export const REGISTRATION_FILE = 'dns.json';
