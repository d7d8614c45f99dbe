// build-launcher-tables: the generated section of shim/msb-runtime (its flag tables, id rule,
// record paths and log line) from the compiled TypeScript definitions (src/oci/launcher-tables.ts).
// `--check` (npm run build) fails while the committed section differs; without it (npm run
// gen:launcher) the section is rewritten in place, atomically, keeping the file's mode.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const launcherPath = fileURLToPath(new URL('../shim/msb-runtime', import.meta.url));
const { renderLauncherTables, spliceLauncherTables } = await import(new URL('../dist/oci/launcher-tables.js', import.meta.url).href);

const current = readFileSync(launcherPath, 'utf8');
const wanted = spliceLauncherTables(current, renderLauncherTables());
if (wanted === current) process.exit(0);
if (process.argv.includes('--check')) {
  console.error(
    'shim/msb-runtime: its generated section differs from src/oci/argv.ts, src/base/paths.ts or src/base/log.ts; run `npm run gen:launcher` and commit the result',
  );
  process.exit(1);
}
const tmp = `${launcherPath}.tmp-${process.pid}`;
writeFileSync(tmp, wanted, { mode: statSync(launcherPath).mode & 0o7777 });
renameSync(tmp, launcherPath);
console.log('shim/msb-runtime: generated section rewritten');
