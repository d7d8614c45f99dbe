import { join } from 'node:path';
import { MsbError } from './errors.js';

/** DEFAULT_ROOT is msb's state root when the caller passes no --root (runc's is /run/runc). */
export const DEFAULT_ROOT = '/run/msb';

/**
 * ContainerPaths are where msb keeps one container's record. Docker passes runc's own --root
 * (/var/run/docker/runtime-runc/moby) to every runtime, so msb keeps to a subdirectory of it.
 * shim/msb-runtime computes the same paths: change both together.
 */
export interface ContainerPaths {
  stateDir: string;
  dir: string;
  record: string;
  launcher: string;
  /** The backend's stop-everything fragment, written before the backend's create (shim/msb-runtime sources it for delete --force). */
  cleanup: string;
  originalConfig: string;
  cacheDir: string;
}

/** validateContainerId applies runc's id rule, which also keeps ids from naming other paths. */
export function validateContainerId(id: string | undefined): string {
  if (!id) throw new MsbError('invalid-argument', 'container id cannot be empty');
  if (!/^[\w+.-]+$/.test(id) || id.startsWith('.')) {
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
