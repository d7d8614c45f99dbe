#!/usr/bin/env node
// npm run compat:table: record what the last full run of test/docker/everyday-ops.test.ts measured
// (it writes node_modules/.cache/msb-test/everyday-ops.results.json) in
// test/docker/everyday-ops.results.json, then rewrite docs/compatibility.md's "Everyday Docker
// operations" table from that and test/docker/everyday-ops.rows.json (what each row says).
// `--check` changes nothing and exits 1 when the docs differ from what the committed files say
// (test/ops/everyday-table.test.ts).
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BEGIN = '<!-- everyday-ops:begin (npm run compat:table writes this table from test/docker/everyday-ops.results.json) -->';
export const END = '<!-- everyday-ops:end -->';

/** renderTable is the markdown table for rows and results. */
export function renderTable(rows, results) {
  const cell = (s) => String(s).replace(/\|/g, '\\|');
  const label = { runc: 'runc', msb: 'msb', 'msb-runsc-20221219': 'msb on runsc 2022' };
  const outcome = (name) => {
    const r = results.tests?.[name];
    if (!r) return 'not run';
    return Object.entries(r)
      .map(([runtime, state]) => `${label[runtime] ?? runtime} ${state}`)
      .join(', ');
  };
  const lines = [
    `Last run: ${results.environment ?? 'unknown environment'}.`,
    '',
    '| operation | under msb | why / what to do | test | last run |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const test = row.test ? `\`${cell(row.test)}\`` : 'none';
    lines.push(`| ${cell(row.operation)} | ${cell(row.msb)} | ${cell(row.why)} | ${test} | ${row.test ? outcome(row.test) : '—'} |`);
  }
  return lines.join('\n');
}

/** rewriteDoc replaces what lies between the markers with the table. */
export function rewriteDoc(doc, table) {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/compatibility.md has no ${BEGIN} … ${END} markers`);
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** paths of the three files, relative to a checkout. */
export const paths = {
  rows: join(root, 'test/docker/everyday-ops.rows.json'),
  results: join(root, 'test/docker/everyday-ops.results.json'),
  lastRun: join(root, 'node_modules/.cache/msb-test/everyday-ops.results.json'),
  doc: join(root, 'docs/compatibility.md'),
};

/** expectedDoc is docs/compatibility.md as the rows and the last results make it. */
export function expectedDoc() {
  const rows = JSON.parse(readFileSync(paths.rows, 'utf8'));
  const results = JSON.parse(readFileSync(paths.results, 'utf8'));
  return rewriteDoc(readFileSync(paths.doc, 'utf8'), renderTable(rows, results));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.argv.includes('--check')) {
    if (!existsSync(paths.lastRun)) {
      console.error(
        `compat:table: ${paths.lastRun} is missing: run test/docker/everyday-ops.test.ts in full first (npm test, or npx vitest run test/docker/everyday-ops.test.ts)`,
      );
      process.exit(1);
    }
    copyFileSync(paths.lastRun, paths.results);
    console.log(`test/docker/everyday-ops.results.json: recorded from ${paths.lastRun}`);
  }
  const next = expectedDoc();
  const now = readFileSync(paths.doc, 'utf8');
  if (process.argv.includes('--check')) {
    if (next !== now) {
      console.error('docs/compatibility.md: the everyday operations table differs from test/docker/everyday-ops.results.json; run npm run compat:table');
      process.exit(1);
    }
  } else if (next !== now) {
    writeFileSync(paths.doc, next);
    console.log('docs/compatibility.md: everyday operations table rewritten');
  } else {
    console.log('docs/compatibility.md: everyday operations table already up to date');
  }
}
