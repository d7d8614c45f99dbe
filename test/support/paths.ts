import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** repoRoot is the checkout these tests run from (the directory holding package.json). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** sharedDir is the folder of shared reference material beside the checkout (../shared). */
const sharedDir = join(repoRoot, '..', 'shared');

/** ociSpecDir is the copy of the OCI runtime-spec (schemas and examples) in the shared folder. */
const ociSpecDir = join(sharedDir, 'oci-runtime-spec');

/** ociSchemaDir holds the official runtime-spec JSON Schemas (draft-04). */
export const ociSchemaDir = join(ociSpecDir, 'schema');

/** specExample is the path of a file under the runtime-spec examples folder, e.g. specExample('docker-20.10-config.json'). */
export function specExample(...name: string[]): string {
  return join(ociSpecDir, 'examples', ...name);
}

/**
 * sharedSkipReason says why tests that read the shared folder cannot run, or undefined when
 * they can; callers print it so a skipped case is never silent.
 */
export function sharedSkipReason(path: string = ociSpecDir): string | undefined {
  return existsSync(path) ? undefined : `${path} not found (the shared folder is expected beside the checkout)`;
}

/**
 * LEGACY_RUNSC is bookworm's runsc 0.0~20221219 (ptrace only, no default rootfs overlay), which
 * scripts/provision.sh unpacks beside the host's runsc for tests that cover both releases.
 */
export const LEGACY_RUNSC = '/usr/local/lib/msb-runsc-20221219/runsc';
