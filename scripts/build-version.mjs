// Writes dist/version.txt, the text `msb-runtime --version` prints without starting Node.
// Docker's `docker info` parses it like runc's: "runc version X", then "commit: Y", then "spec: Z".
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
} catch {
  // Not a git checkout (an npm tarball): the version alone identifies the build.
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist/version.txt'), `runc version ${version}-msb\ncommit: msb-${version}-${commit}\nspec: 1.0.2-dev\nmsb: ${version}\n`);
