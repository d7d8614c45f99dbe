import { readFileSync } from 'node:fs';

// Set by scripts/build-bundle.mjs in the bundled runtime; undefined in the unbundled modules.
declare const MSB_VERSION: string | undefined;

/** readVersion returns msb's version: compiled into the bundle, else read from package.json. */
export function readVersion(): string {
  if (typeof MSB_VERSION === 'string') return MSB_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
