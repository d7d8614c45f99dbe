// Builds the create helper's client (docs/create-helper.md): dist/msb-create-client, from
// src/oci/create-helper/client.c, with the build's id compiled in (a hash of both bundles, which
// scripts/build-bundle.mjs made, and of dist's path), so a client only ever talks to the helper of
// its own build and checkout. Without a C compiler there is no client, and
// shim/msb-runtime runs create through Node as before; the build says so and succeeds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
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
