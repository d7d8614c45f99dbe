import { join, posix } from 'node:path';
import { MsbError } from '../base/errors.js';
import type { Mount, Spec } from '../base/spec.js';
import { CONTROL_SOCKET_ANNOTATION } from './annotations.js';

/** SUN_PATH_MAX is the longest socket path a host client can connect to (sockaddr_un.sun_path, NUL included). */
const SUN_PATH_MAX = 108;

/** ControlSocket is one declared control socket: where the container creates it, where the host finds it. */
export interface ControlSocket {
  path: string;
  hostPath: string;
}

/** ControlSocketPlan is the host directories msb makes for a container's control sockets and their mounts. */
export interface ControlSocketPlan {
  /** <controlDirectory>/<id>: removed as a whole when the container is deleted. */
  containerRoot: string;
  directories: { containerDirectory: string; hostDirectory: string }[];
  sockets: ControlSocket[];
}

/**
 * parseControlSockets reads io.msb.control-socket (comma-separated absolute paths, already
 * checked against the annotation's pattern): each must be normalized and below a directory
 * other than /, because msb mounts its own directory over that parent.
 */
export function parseControlSockets(value: string | undefined): string[] {
  if (value === undefined) return [];
  const paths = value.split(',');
  for (const p of paths) {
    const bad = (why: string): MsbError => new MsbError('invalid-argument', `annotation ${CONTROL_SOCKET_ANNOTATION}: ${p} ${why}`);
    if (posix.normalize(p) !== p || p.split('/').some((c) => c === '.' || c === '..')) throw bad('is not a normalized absolute path');
    if (posix.dirname(p) === '/') throw bad('must be in a directory other than / (msb mounts a host directory over its parent)');
  }
  if (new Set(paths).size !== paths.length) throw new MsbError('invalid-argument', `annotation ${CONTROL_SOCKET_ANNOTATION} names a socket twice`);
  return paths;
}

/**
 * planControlSockets gives each distinct parent directory of the declared sockets its own host
 * directory <controlDirectory>/<id>/<n>. Host paths must fit sun_path, or no host client could
 * connect to them.
 */
export function planControlSockets(paths: readonly string[], controlDirectory: string, id: string): ControlSocketPlan | undefined {
  if (paths.length === 0) return undefined;
  const containerRoot = join(controlDirectory, id);
  const directories: ControlSocketPlan['directories'] = [];
  const sockets: ControlSocket[] = [];
  for (const path of paths) {
    const containerDirectory = posix.dirname(path);
    let dir = directories.find((d) => d.containerDirectory === containerDirectory);
    if (!dir) {
      dir = { containerDirectory, hostDirectory: join(containerRoot, String(directories.length)) };
      directories.push(dir);
    }
    const hostPath = join(dir.hostDirectory, posix.basename(path));
    if (Buffer.byteLength(hostPath) >= SUN_PATH_MAX) {
      throw new MsbError(
        'invalid-argument',
        `control socket ${path}: its host path ${hostPath} is longer than a socket path may be (${SUN_PATH_MAX - 1} bytes); use a shorter name or a shorter policy sockets.controlDirectory`,
      );
    }
    sockets.push({ path, hostPath });
  }
  return { containerRoot, directories, sockets };
}

/**
 * addControlSocketMounts bind-mounts each planned host directory at its container directory,
 * after the spec's own mounts. A spec mount at or below such a directory would be hidden by it,
 * so that is refused rather than silently shadowed.
 */
export function addControlSocketMounts(spec: Spec, plan: ControlSocketPlan | undefined): Spec {
  if (!plan) return spec;
  const mounts = spec.mounts ?? [];
  for (const d of plan.directories) {
    const clash = mounts.find((m) => m.destination === d.containerDirectory || m.destination.startsWith(`${d.containerDirectory}/`));
    if (clash) {
      throw new MsbError(
        'invalid-argument',
        `control socket directory ${d.containerDirectory} would hide the container's mount at ${clash.destination}; declare the socket in another directory`,
      );
    }
  }
  const added: Mount[] = plan.directories.map((d) => ({
    destination: d.containerDirectory,
    type: 'bind',
    source: d.hostDirectory,
    options: ['rbind', 'rw', 'nosuid', 'nodev', 'noexec'],
  }));
  return { ...spec, mounts: [...mounts, ...added] };
}
