import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __dirname: string | undefined;

/** FALLBACK_ENV is how dist/msb-create-client tells the Node path why it runs (client.c). */
export const FALLBACK_ENV = 'MSB_CREATE_HELPER_FALLBACK';

/** distDir is the build's dist/: the CommonJS bundles' __dirname, or three levels up from this module. */
export function distDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}

/** DEFAULT_HELPER_DIR holds each build's helper socket and log (root only: 0700). */
const DEFAULT_HELPER_DIR = '/run/msb/create-helper';

/** HELPER_ID_FILE, in dist/, names the build: written by scripts/build-create-helper.mjs, compiled into the client. */
export const HELPER_ID_FILE = 'create-helper.id';

/** HELPER_BUNDLE, in dist/, is the helper's entry (one CommonJS file, like msb-runtime.cjs). */
export const HELPER_BUNDLE = 'msb-create-helper.cjs';

/** HELPER_CLIENT, in dist/, is the compiled client shim/msb-runtime execs for create. */
export const HELPER_CLIENT = 'msb-create-client';

/** helperDir is where helpers listen: MSB_CREATE_HELPER_DIR (tests, a second install) or the default. */
export function helperDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MSB_CREATE_HELPER_DIR || DEFAULT_HELPER_DIR;
}

/** HelperFiles are one build's socket, log and pid file. */
export interface HelperFiles {
  id: string;
  socket: string;
  log: string;
  pid: string;
}

/** helperFiles names the socket and log of the build `id` in `dir`. */
export function helperFiles(dir: string, id: string): HelperFiles {
  return { id, socket: join(dir, `${id}.sock`), log: join(dir, `${id}.log`), pid: join(dir, `${id}.pid`) };
}

/** readHelperId is the build id in distDir, or undefined when this build has no helper (no C compiler at build time). */
export function readHelperId(distDir: string): string | undefined {
  try {
    const id = readFileSync(join(distDir, HELPER_ID_FILE), 'utf8').trim();
    return /^[0-9a-f]{16}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
