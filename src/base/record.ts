import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MsbError } from './errors.js';
import type { ContainerPaths } from './paths.js';

/** ContainerRecord is what msb remembers about a container it created. */
export interface ContainerRecord {
  id: string;
  backend: string;
  bundle: string;
  created: string;
  selection: string[];
  /** The egress profile and where it came from (docs/egress.md); absent in records of older msb. */
  egress?: { profile: string; selection: string[] };
  backendSummary: Record<string, unknown>;
  /** Declared control sockets: the path in the container and where the host finds it. */
  controlSockets?: { path: string; hostPath: string }[];
}

/** writeFileAtomic writes a whole file under a temporary name and renames it into place. */
export function writeFileAtomic(path: string, content: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.msb-${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/**
 * claimRecordDir creates the container's record directory, failing if the id is taken: mkdir is
 * atomic, so two creates of the same id cannot both proceed.
 */
export function claimRecordDir(paths: ContainerPaths, id: string): void {
  mkdirSync(dirname(paths.dir), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(paths.dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new MsbError('already-exists', `container with id ${id} already exists`);
    throw err;
  }
}

/** removeRecordDir forgets a container. */
export function removeRecordDir(paths: ContainerPaths): void {
  rmSync(paths.dir, { recursive: true, force: true });
}

/** readRecord loads a container's record, or reports that msb does not know the id. */
export function readRecord(paths: ContainerPaths, id: string): ContainerRecord {
  try {
    return JSON.parse(readFileSync(paths.record, 'utf8')) as ContainerRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MsbError('not-found', `container ${id} does not exist`);
    throw err;
  }
}
