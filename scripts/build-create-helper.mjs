// Builds the create helper (docs/create-helper.md): its Node half as one CommonJS file
// (dist/msb-create-helper.cjs) and its client (dist/msb-create-client, from
// src/oci/create-helper/client.c) with the build's id compiled in, so a client only ever talks to
// the helper of its own build and checkout. Without a C compiler there is no client, and
// shim/msb-runtime runs create through Node as before; the build says so and succeeds.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(dist, 'oci/create-helper/helper-main.js')],
  outfile: join(dist, 'msb-create-helper.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { MSB_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
});

const hash = createHash('sha256');
for (const f of ['msb-runtime.cjs', 'msb-create-helper.cjs']) hash.update(readFileSync(join(dist, f)));
hash.update(realpathSync(dist));
const id = hash.digest('hex').slice(0, 16);

const client = join(dist, 'msb-create-client');
const idFile = join(dist, 'create-helper.id');
rmSync(idFile, { force: true });
const cc = process.env.CC || ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) {
  rmSync(client, { force: true });
  process.stdout.write('build: no C compiler (cc, gcc): no create helper client; create starts Node each time (docs/create-helper.md)\n');
} else {
  const source = join(root, 'src/oci/create-helper/client.c');
  const args = ['-O2', '-Wall', '-Wextra', '-Werror', `-DMSB_HELPER_ID="${id}"`, '-o', `${client}.tmp`, source];
  // Static when the C library allows it: no dynamic loader on create's path.
  let r = spawnSync(cc, ['-static', ...args], { encoding: 'utf8' });
  if (r.status !== 0) r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`build: ${cc} failed on ${source}:\n${r.stderr}`);
    process.exit(1);
  }
  renameSync(`${client}.tmp`, client);
  writeFileSync(idFile, `${id}\n`);
}
