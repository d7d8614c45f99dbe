// scripts/compat/matrix.mjs attributes each failure under msb: to msb when runsc registered
// directly passes the same test (or the test is of what msb adds and runsc ran the suite's setup),
// to runsc otherwise; its exit status fails CI only for msb's failures or an unmeasured stack.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

// 'retried': passed on vitest's retry, the first failure kept in failureMessages.
type Status = 'passed' | 'failed' | 'skipped' | 'retried';
let out = '';

afterEach(() => rmSync(out, { recursive: true, force: true }));

function write(runtime: string, suite: string, tests: Record<string, Status>, fileError?: string): void {
  const dir = join(out, `sid-${runtime}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'versions.txt'), 'docker 28.5.2\ncontainerd 2.1.9\nrunc 1.3.6\nrunsc 0.0~20240729.0-7+b1\ncompose 2.40.3\n');
  const assertionResults = Object.entries(tests).map(([fullName, status]) => ({
    fullName,
    status: status === 'retried' ? 'passed' : status,
    failureMessages: status === 'passed' || status === 'skipped' ? [] : [`${fullName} broke\nstack`],
  }));
  writeFileSync(
    join(dir, `${suite}.json`),
    JSON.stringify({
      testResults: [{ status: fileError || Object.values(tests).includes('failed') ? 'failed' : 'passed', message: fileError ?? '', assertionResults }],
    }),
  );
}

function matrix(suites = 'docker-run dns-relay'): { status: number; md: string; json: { blamed: { test: string; who: string }[]; unmeasured: string[] } } {
  const r = spawnSync('node', [join(repoRoot, 'scripts/compat/matrix.mjs'), out, 'sid', suites], { encoding: 'utf8' });
  const md = readFileSync(join(out, 'matrix.md'), 'utf8');
  expect(r.stdout).toContain(md);
  return { status: r.status ?? -1, md, json: JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) };
}

describe('compat matrix attribution', () => {
  it("a shared test failing under msb is msb's when runsc alone passes it, runsc's when runsc fails it too; a pass on retry is counted apart", () => {
    out = mkdtempSync(join(tmpdir(), 'msb-compat-matrix-'));
    write('msb', 'docker-run', { 'runs a': 'retried', 'tty b': 'failed', 'logs c': 'failed' });
    write('runsc', 'docker-run', { 'runs a': 'passed', 'tty b': 'failed', 'logs c': 'passed' });
    write('msb', 'dns-relay', { 'names d': 'passed' });
    write('runsc', 'dns-relay', { 'names d': 'failed' });
    const { status, md, json } = matrix();
    expect(json.blamed.map((b) => [b.test, b.who])).toEqual([
      ['tty b', 'runsc'],
      ['logs c', 'msb'],
    ]);
    expect(md).toMatch(
      /^\| sid \| 28\.5\.2 \| 2\.1\.9 \| 1\.3\.6 \| 0\.0~20240729\.0-7\+b1 \| 2\.40\.3 \| docker-run \| 1 \(1 on retry\) \/ 2 \/ 0 \| 2 \/ 1 \/ 0 \| \*\*1\*\* \| 1 \|$/m,
    );
    expect(md).toContain('- sid / docker-run: logs c (runsc alone passes it): logs c broke');
    expect(md).toContain('- sid / docker-run under msb: runs a: runs a broke');
    expect(status).toBe(1);
  });

  it("a test of what msb adds is msb's although runsc fails it, unless runsc could not run the suite's setup", () => {
    out = mkdtempSync(join(tmpdir(), 'msb-compat-matrix-'));
    write('msb', 'dns-relay', { 'names d': 'failed' });
    write('runsc', 'dns-relay', { 'names d': 'failed' });
    expect(matrix('dns-relay').json.blamed).toMatchObject([{ test: 'names d', who: 'msb' }]);
    write('runsc', 'dns-relay', { 'names d': 'skipped' }, 'beforeAll: runsc would not start');
    const { status, json } = matrix('dns-relay');
    expect(json.blamed).toMatchObject([{ test: 'names d', who: 'runsc' }]);
    expect(status).toBe(0);
  });

  it("tests skipped because the file's setup failed count as failures, and a stack with no report under msb is unmeasured (exit 2)", () => {
    out = mkdtempSync(join(tmpdir(), 'msb-compat-matrix-'));
    write('msb', 'docker-run', { 'runs a': 'skipped' }, 'beforeAll broke');
    write('runsc', 'docker-run', { 'runs a': 'passed' });
    const { status, json } = matrix();
    expect(json.blamed.map((b) => [b.test, b.who])).toEqual([
      ['runs a', 'msb'],
      ["(the file's setup or teardown)", 'msb'],
    ]);
    expect(json.unmeasured).toEqual(['sid / dns-relay: no report under msb']);
    expect(status).toBe(2);
  });
});
