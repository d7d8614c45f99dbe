// Bundles the Node half of msb-runtime into one CommonJS file. create runs on every container
// start, and loading ~20 ES modules cost ~30 ms more than one CommonJS file here
// (docs/benchmarks.md). Tests keep using the unbundled modules; both come from the same sources.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The create helper's Node half (docs/create-helper.md) is bundled the same way.
for (const [entry, out] of [
  ['dist/oci/cli.js', 'dist/msb-runtime.cjs'],
  ['dist/oci/create-helper/helper-main.js', 'dist/msb-create-helper.cjs'],
]) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(root, out),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { MSB_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
    logOverride: { 'empty-import-meta': 'silent' },
  });
}
