// The layers of src/ (docs/architecture.md), checked on every source file's imports: a file may
// import its own directory's files and those of lower layers, never a higher layer's. Tests are
// exempt: they drive whole paths (a backend's test may call oci's create). Two rules keep the
// backends behind their interface (src/isolation/backend.ts): oci's commands name no backend,
// and no backend imports another's directory.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
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

/** BACKEND_NAME matches a backend's name, or its binary's, in code. */
const BACKEND_NAME = /gvisor|krun|runsc/i;

/** BACKEND_DIRS are the backends' own directories under src/; each may use src/isolation's shared modules, never another's. */
const BACKEND_DIRS: readonly string[] = ['isolation/gvisor', 'isolation/krun'];

/**
 * backendNamesIn lists where the code of the source files under `dir` names a backend: an
 * identifier, a string (an import path included), a template or a regular expression matching
 * BACKEND_NAME. Comments pass: they may say which backend a behaviour exists for, code may not
 * act on it (the backend's own method does, through its interface).
 */
function backendNamesIn(dir: string, src = SRC): string[] {
  const found: string[] = [];
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const named =
        ts.isIdentifier(node) ||
        ts.isPrivateIdentifier(node) ||
        ts.isStringLiteralLike(node) ||
        ts.isTemplateLiteralToken(node) ||
        ts.isRegularExpressionLiteral(node)
          ? node.text
          : undefined;
      if (named !== undefined && BACKEND_NAME.test(named)) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        found.push(`src/${relative(src, file)}:${line} names a backend: ${JSON.stringify(named)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

/** crossBackendImports are the imports from one backend's directory into another's. */
function crossBackendImports(src = SRC): string[] {
  const bad: string[] = [];
  for (const from of BACKEND_DIRS.filter((d) => existsSync(join(src, d)))) {
    for (const file of sources(join(src, from))) {
      for (const target of importsOf(file, src)) {
        const to = BACKEND_DIRS.find((d) => d !== from && (target === d || target.startsWith(`${d}/`)));
        if (to) bad.push(`src/${relative(src, file)} imports src/${target} (${to} is another backend's)`);
      }
    }
  }
  return bad.sort();
}

/** inTree writes `files` (path under a fresh src/ → text) to a temporary tree, runs `check` on its root and removes it. */
function inTree(files: Readonly<Record<string, string>>, check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'msb-layers-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the layers of src/', () => {
  it('every directory of src/ is in a layer', () => {
    for (const e of readdirSync(SRC, { withFileTypes: true })) if (e.isDirectory()) expect(() => layerOf(e.name)).not.toThrow();
  });

  it('no source file imports a higher layer or a sibling directory of its own layer', () => {
    expect(violations()).toEqual([]);
  });

  it('reports an upward, a sideways and a type-only or dynamic import, and lets a downward one pass', () => {
    inTree(
      {
        'base/a.ts': "import { x } from '../oci/main.js';\n",
        'ctl/b.ts': "import type { Y } from '../cri/c.js';\nimport { z } from '../base/a.js';\n",
        'egress/d.ts': "const m = await import('../dns/e.js');\n",
        'base/a.test.ts': "import { x } from '../oci/main.js';\n",
      },
      (dir) => {
        expect(violations(dir)).toEqual([
          'src/base/a.ts imports src/oci/main.js (oci is above base)',
          'src/ctl/b.ts imports src/cri/c.js (cri is beside ctl)',
          'src/egress/d.ts imports src/dns/e.js (dns is above egress)',
        ]);
      },
    );
  });

  it('no file in src/oci/commands names a backend in code', () => {
    expect(backendNamesIn(join(SRC, 'oci', 'commands'))).toEqual([]);
  });

  it('reports a backend named by a string, an import, an identifier or a template in oci/commands, not in a comment or a test', () => {
    inTree(
      {
        'oci/commands/a.ts': [
          '// runsc is named in a comment: allowed',
          "import { x } from '../../isolation/backends.js';",
          "const { g } = await import('../../isolation/gvisor/g.js');",
          "/* gVisor, also allowed */ if (x.backend === 'krun') g();",
          'const runscArgs = [`--${x}-gvisor`];',
          '',
        ].join('\n'),
        'oci/commands/a.test.ts': "const b = 'krun';\n",
      },
      (dir) => {
        expect(backendNamesIn(join(dir, 'oci', 'commands'), dir)).toEqual([
          'src/oci/commands/a.ts:3 names a backend: "../../isolation/gvisor/g.js"',
          'src/oci/commands/a.ts:4 names a backend: "krun"',
          'src/oci/commands/a.ts:5 names a backend: "runscArgs"',
          'src/oci/commands/a.ts:5 names a backend: "-gvisor"',
        ]);
      },
    );
  });

  it("no backend imports another backend's directory", () => {
    expect(crossBackendImports()).toEqual([]);
  });

  it('reports krun importing gvisor and the reverse, static, dynamic or type-only, and lets shared isolation modules pass', () => {
    inTree(
      {
        'isolation/krun/a.ts': "import { n } from '../gvisor/network-namespace.js';\nimport { s } from '../network-namespace.js';\n",
        'isolation/gvisor/b.ts': "const m = await import('../krun/krun-exec.js');\nimport type { K } from '../krun/k.js';\n",
        'isolation/gvisor/c.ts': "import { d } from './d.js';\nimport { e } from '../backend.js';\n",
        'isolation/krun/d.test.ts': "import { g } from '../gvisor/g.js';\n",
      },
      (dir) => {
        expect(crossBackendImports(dir)).toEqual([
          "src/isolation/gvisor/b.ts imports src/isolation/krun/k.js (isolation/krun is another backend's)",
          "src/isolation/gvisor/b.ts imports src/isolation/krun/krun-exec.js (isolation/krun is another backend's)",
          "src/isolation/krun/a.ts imports src/isolation/gvisor/network-namespace.js (isolation/gvisor is another backend's)",
        ]);
      },
    );
  });
});
