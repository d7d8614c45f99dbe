import { join } from 'node:path';
import { MsbError } from './errors.js';

/** DEFAULT_ROOT is msb's state root when the caller passes no --root (runc's is /run/runc). */
export const DEFAULT_ROOT = '/run/msb';

/**
 * ContainerPaths are where msb keeps one container's record. Docker passes runc's own --root
 * (/var/run/docker/runtime-runc/moby) to every runtime, so msb keeps to a subdirectory of it.
 * shim/msb-runtime's copy of this layout is generated from containerPaths (src/oci/launcher-tables.ts,
 * `npm run gen:launcher`): change it here only.
 */
export interface ContainerPaths {
  stateDir: string;
  dir: string;
  record: string;
  launcher: string;
  /** The backend's stop-everything fragment, written before the backend's create (shim/msb-runtime sources it for delete --force). */
  cleanup: string;
  /** The bundle's config.json as create found it (byte-exact): delete copies it back (shim/msb-runtime, msb_restore_config). */
  originalConfig: string;
  cacheDir: string;
}

/**
 * CONTAINER_ID_RULE is runc's id rule as data: one or more of `chars` (a bracket-expression
 * body, the same in a RegExp and in sh), not starting with `notFirst`. shim/msb-runtime's copy
 * is generated from it.
 */
export const CONTAINER_ID_RULE = { chars: 'A-Za-z0-9_+.-', notFirst: '.' } as const;

const ID_PATTERN = new RegExp(`^[${CONTAINER_ID_RULE.chars}]+$`);

/** validateContainerId applies runc's id rule, which also keeps ids from naming other paths. */
export function validateContainerId(id: string | undefined): string {
  if (!id) throw new MsbError('invalid-argument', 'container id cannot be empty');
  if (!ID_PATTERN.test(id) || id.startsWith(CONTAINER_ID_RULE.notFirst)) {
    throw new MsbError('invalid-argument', `invalid container id ${JSON.stringify(id)}`);
  }
  return id;
}

/** stateDirOf is msb's own directory under a runtime root. */
export function stateDirOf(root: string): string {
  return join(root, 'msb');
}

/** containerPaths lays out one container's record under the runtime root. */
export function containerPaths(root: string, id: string): ContainerPaths {
  const stateDir = stateDirOf(root);
  const dir = join(stateDir, 'containers', validateContainerId(id));
  return {
    stateDir,
    dir,
    record: join(dir, 'record.json'),
    launcher: join(dir, 'launcher.sh'),
    cleanup: join(dir, 'cleanup.sh'),
    originalConfig: join(dir, 'config.orig.json'),
    cacheDir: join(stateDir, 'cache'),
  };
}
