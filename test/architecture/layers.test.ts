// The layers of src/ (docs/architecture.md), checked on every source file's imports: a file may
// import its own directory's files and those of lower layers, never a higher layer's. Tests are
// exempt: they drive whole paths (a backend's test may call oci's create).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

/** LAYERS from the ground floor up; directories on one line are one layer and may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['generated', 'schemas'],
  ['base'],
  ['egress'],
  ['dns'],
  ['isolation'],
  ['oci'],
  ['ctl', 'cri'],
  ['bench', 'soak'],
];

const SRC = join(repoRoot, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function layerOf(top: string): number {
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS in test/architecture/layers.test.ts and to docs/architecture.md`);
  return i;
}

/** importsOf lists the relative imports of one file (static, dynamic and type-only), resolved under src. */
function importsOf(file: string, src = SRC): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(relative(src, resolve(dirname(file), m[1] as string)));
  return out;
}

/** violations are the imports that go up a layer or sideways into another directory of the same layer. */
function violations(src = SRC): string[] {
  const bad: string[] = [];
  for (const file of sources(src)) {
    const from = relative(src, file);
    const fromTop = from.split('/')[0] as string;
    for (const target of importsOf(file, src)) {
      const toTop = target.split('/')[0] as string;
      if (toTop === fromTop || toTop.startsWith('..')) continue;
      const a = layerOf(fromTop);
      const b = layerOf(toTop);
      if (b > a || (b === a && toTop !== fromTop)) bad.push(`src/${from} imports src/${target} (${toTop} is ${b > a ? 'above' : 'beside'} ${fromTop})`);
    }
  }
  return bad.sort();
}

describe('the layers of src/', () => {
  it('every directory of src/ is in a layer', () => {
    for (const e of readdirSync(SRC, { withFileTypes: true })) if (e.isDirectory()) expect(() => layerOf(e.name)).not.toThrow();
  });

  it('no source file imports a higher layer or a sibling directory of its own layer', () => {
    expect(violations()).toEqual([]);
  });

  it('reports an upward, a sideways and a type-only or dynamic import, and lets a downward one pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-layers-'));
    try {
      const put = (p: string, text: string): void => {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), text);
      };
      put('base/a.ts', "import { x } from '../oci/main.js';\n");
      put('ctl/b.ts', "import type { Y } from '../cri/c.js';\nimport { z } from '../base/a.js';\n");
      put('egress/d.ts', "const m = await import('../dns/e.js');\n");
      put('base/a.test.ts', "import { x } from '../oci/main.js';\n");
      expect(violations(dir)).toEqual([
        'src/base/a.ts imports src/oci/main.js (oci is above base)',
        'src/ctl/b.ts imports src/cri/c.js (cri is beside ctl)',
        'src/egress/d.ts imports src/dns/e.js (dns is above egress)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
