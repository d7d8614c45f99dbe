// docs/compatibility.md's "Everyday Docker operations" table is made from a full run of
// test/docker/everyday-ops.test.ts (issue 17): it must match the committed results file, and every
// row that names a test must have been measured under runc and msb.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

const json = <T>(path: string): T => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as T;

describe('the everyday operations table', () => {
  it('is what npm run compat:table makes of the committed results', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/compat-table.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has a measured result under runc and msb for every row that names a test, and every such test exists', () => {
    const rows = json<{ test?: string }[]>('test/docker/everyday-ops.rows.json');
    const results = json<{ tests: Record<string, Record<string, string>> }>('test/docker/everyday-ops.results.json');
    const source = readFileSync(join(repoRoot, 'test/docker/everyday-ops.test.ts'), 'utf8')
      .replace(/\\'/g, "'")
      .replace(/\(\s+'/g, "('");
    for (const row of rows.filter((r) => r.test)) {
      const measured = results.tests[row.test ?? ''];
      expect(measured?.runc, row.test).toMatch(/^(pass|fail)$/);
      expect(measured?.msb, row.test).toMatch(/^(pass|fail)$/);
      // The test's title as it appears in the source: single-quoted (quotes escaped there), or
      // double-quoted when it holds a quote; the formatter may break the line after the parenthesis.
      const title = row.test ?? '';
      expect(source.includes(`('${title}'`) || source.includes(`("${title}"`), `no test titled ${title}`).toBe(true);
    }
    // No result for a test the rows no longer name.
    expect(Object.keys(results.tests).filter((t) => !rows.some((r) => r.test === t))).toEqual([]);
  });
});
