import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MsbError } from '../base/errors.js';
import type { Spec } from '../base/spec.js';
import { describeSystemError } from '../base/system-error.js';

/**
 * checkRootFilesystem refuses a config.json whose root.path (relative to the bundle) is not a
 * directory, before any backend runs: runsc reports that only as "cannot read client sync file:
 * EOF" from its gofer, after printing its own line to the container's stderr.
 */
export function checkRootFilesystem(bundle: string, spec: Spec, stat: (p: string) => { isDirectory(): boolean } = statSync): void {
  const path = resolve(bundle, spec.root.path);
  let isDirectory: boolean;
  try {
    isDirectory = stat(path).isDirectory();
  } catch (err) {
    throw new MsbError('invalid-spec', `the container's root filesystem ${path} (config.json root.path) cannot be used: ${describeSystemError(err)}`, {
      cause: err,
    });
  }
  if (!isDirectory) throw new MsbError('invalid-spec', `the container's root filesystem ${path} (config.json root.path) is not a directory`);
}
