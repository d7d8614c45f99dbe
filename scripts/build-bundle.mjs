// Bundles the Node half of msb-runtime into one CommonJS file. create runs on every container
// start, and loading ~20 ES modules cost ~30 ms more than one CommonJS file here
// (docs/benchmarks.md). Tests keep using the unbundled modules; both come from the same sources.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(root, 'dist/oci/cli.js')],
  outfile: join(root, 'dist/msb-runtime.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { MSB_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
});
