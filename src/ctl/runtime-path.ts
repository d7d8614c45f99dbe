import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MsbError } from '../base/errors.js';

/** defaultRuntimePath is this checkout's shim/msb-runtime, found from this module's own location. */
export function defaultRuntimePath(): string {
  // src/ctl/runtime-path.ts and dist/ctl/runtime-path.js are both two levels below the checkout.
  return fileURLToPath(new URL('../../shim/msb-runtime', import.meta.url));
}

/** absoluteRuntimePath resolves --path against the current directory: dockerd runs elsewhere. */
export function absoluteRuntimePath(path: string, cwd: string = process.cwd()): string {
  if (path === '') throw new MsbError('invalid-argument', '--path cannot be empty');
  return resolve(cwd, path);
}

/** checkRuntimeExecutable fails unless path is an executable file, which dockerd would otherwise find out at the first `docker run`. */
export function checkRuntimeExecutable(path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new MsbError('not-found', `runtime ${path} does not exist (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  if (!isFile) throw new MsbError('invalid-argument', `runtime ${path} is not a regular file`);
  try {
    accessSync(path, constants.X_OK);
  } catch (err) {
    throw new MsbError('invalid-argument', `runtime ${path} is not executable (chmod +x it)`, { cause: err });
  }
}
