import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runscCleanup, stopBackend } from './runsc-cleanup.js';

/**
 * runsc names its files `<container id>_sandbox:<sandbox id>.state` (and `.lock`) in its root: one
 * id twice for a container with its own sandbox, a pod's sandbox id after the colon for the pod's
 * other containers.
 */
const RUNSC_FILE = /^(.+)_sandbox:(.+)\.(state|lock)$/;

/**
 * orphanSandboxIds lists the containers runsc holds files for under runscRoot that msb has no
 * record of. msb claims a record before runsc create and removes it only after runsc's files are
 * gone (create's failure path, delete), so such files belong to a create that was killed from
 * outside (containerd kills the runtime with its shim, Pdeathsig) after a failed cleanup: nothing
 * can reach them any more — every msb command for the id says it does not exist.
 */
export function orphanSandboxIds(runscRoot: string, hasRecord: (id: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(runscRoot);
  } catch {
    return [];
  }
  const ids = new Set<string>();
  for (const name of names) {
    const m = RUNSC_FILE.exec(name);
    const container = m?.[1];
    const sandbox = m?.[2];
    // A pod's container with a record keeps the sandbox too: only files neither id is known by.
    if (container !== undefined && sandbox !== undefined && !hasRecord(container) && !hasRecord(sandbox)) ids.add(sandbox);
  }
  return [...ids].sort();
}

/** The bundle runsc recorded for the id, so the cleanup also matches its gofer; a path nothing has otherwise. */
function recordedBundle(runscRoot: string, id: string): string {
  for (const name of readdirSync(runscRoot)) {
    const m = RUNSC_FILE.exec(name);
    if (!m || m[2] !== id || m[3] !== 'state') continue;
    try {
      const bundle = (JSON.parse(readFileSync(join(runscRoot, name), 'utf8')) as { bundleDir?: unknown }).bundleDir;
      if (typeof bundle === 'string' && bundle.startsWith('/')) return bundle;
    } catch {
      // A state file runsc was still writing: match by id alone.
    }
  }
  return `/nonexistent/msb-orphan/${id}`;
}

/** ReapInputs say where runsc keeps its files and how it is run (its --root first). */
export interface ReapInputs {
  runsc: string;
  runscArgs: readonly string[];
  runscRoot: string;
  hasRecord: (id: string) => boolean;
}

/**
 * reapOrphanSandboxes stops the processes and removes the files of every orphan (above) with the
 * same sh as delete --force. Best effort: it never fails the caller; returns what it reaped and
 * what it could not.
 */
export function reapOrphanSandboxes(r: ReapInputs): { reaped: string[]; failed: string[] } {
  const reaped: string[] = [];
  const failed: string[] = [];
  for (const id of orphanSandboxIds(r.runscRoot, r.hasRecord)) {
    const script = runscCleanup({ id, bundle: recordedBundle(r.runscRoot, id), runsc: r.runsc, runscArgs: r.runscArgs, runscRoot: r.runscRoot });
    (stopBackend(script) === undefined ? reaped : failed).push(id);
  }
  return { reaped, failed };
}
