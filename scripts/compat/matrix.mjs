// matrix.mjs OUT STACKS SUITES: reads the vitest JSON reports run-stack.sh left in
// OUT/<stack>-<runtime>/, prints the matrix (stack × suite × runtime: pass/fail/skip counts, and
// whom each failure under msb is attributed to), writes it to OUT/matrix.md and OUT/matrix.json,
// and exits 0 (no failure is msb's), 1 (some failure is msb's) or 2 (a stack could not be
// measured: no engine, no report under msb).
//
// Attribution of a test that fails under msb: a test both runtimes should pass is msb's when runsc
// registered directly passes it, runsc's (the stack's) when runsc fails it too. A test of what
// msb adds (msb-only.txt) is msb's unless runsc could not run that suite's setup.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, stacksArg, suitesArg] = process.argv.slice(2);
const stacks = stacksArg.split(' ').filter(Boolean);
const suites = suitesArg.split(' ').filter(Boolean);
const here = new URL('.', import.meta.url).pathname;
const FILE = "(the file's setup or teardown)";

const msbOnly = readFileSync(join(here, 'msb-only.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const i = l.indexOf(': ');
    return i < 0 ? { suite: l, text: '' } : { suite: l.slice(0, i), text: l.slice(i + 2) };
  });
const isMsbOnly = (suite, name) => msbOnly.some((m) => m.suite === suite && name.includes(m.text));

/** report loads one suite's results under one runtime: test name → status and message, plus the file's own error. */
function report(stack, runtime, suite) {
  const path = join(out, `${stack}-${runtime}`, `${suite}.json`);
  if (!existsSync(path)) return undefined;
  let file;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')).testResults?.[0];
  } catch (err) {
    file = { status: 'failed', message: `unreadable report ${path}: ${err.message}`, assertionResults: [] };
  }
  file ??= { status: 'failed', message: 'no test file ran', assertionResults: [] };
  const fileError = file.status === 'failed' && file.message ? file.message.split('\n')[0] : undefined;
  const tests = new Map();
  for (const a of file.assertionResults) {
    // Tests skipped because the file's setup failed did not pass: they count as failed.
    const status = a.status === 'skipped' && fileError ? 'failed' : a.status === 'pending' || a.status === 'todo' ? 'skipped' : a.status;
    // A test that passed on its retry (inner-run.sh runs vitest with --retry=1) keeps the first failure.
    const retried = status === 'passed' && a.failureMessages.length > 0;
    tests.set(a.fullName, { status, retried, message: (a.failureMessages[0] ?? fileError ?? '').split('\n')[0] });
  }
  if (fileError) tests.set(FILE, { status: 'failed', message: fileError });
  return { tests, fileError };
}

function versions(stack) {
  const path = join(out, `${stack}-msb`, 'versions.txt');
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]),
  );
}

const count = (r) => {
  const c = { passed: 0, failed: 0, skipped: 0, retried: 0 };
  for (const t of r?.tests.values() ?? []) {
    c[t.status] = (c[t.status] ?? 0) + 1;
    if (t.retried) c.retried += 1;
  }
  return c;
};
const rows = [];
const blamed = [];
const unmeasured = [];
for (const stack of stacks) {
  const v = versions(stack);
  if (!v.docker) unmeasured.push(`${stack}: the stack's engine never ran the suites (no versions.txt; see ${join(out, `${stack}-msb`, 'dockerd.log')})`);
  for (const suite of suites) {
    const msb = report(stack, 'msb', suite);
    const runsc = report(stack, 'runsc', suite);
    if (!msb) unmeasured.push(`${stack} / ${suite}: no report under msb`);
    const blame = { msb: 0, runsc: 0 };
    for (const [name, t] of msb?.tests ?? []) {
      if (t.status !== 'failed') continue;
      const ref = runsc?.tests.get(name);
      let who;
      let why;
      if (name === FILE || isMsbOnly(suite, name)) {
        [who, why] =
          runsc && !runsc.fileError
            ? ['msb', "msb-only test; runsc ran the suite's setup"]
            : ['runsc', `runsc could not run the suite's setup${runsc ? `: ${runsc.fileError}` : ' (no report)'}`];
      } else if (ref?.status === 'passed') [who, why] = ['msb', 'runsc alone passes it'];
      else if (ref?.status === 'failed') [who, why] = ['runsc', 'runsc alone fails it too'];
      else [who, why] = ['msb', 'no runsc result to compare'];
      blame[who] += 1;
      blamed.push({ stack, suite, test: name, who, why, message: t.message });
    }
    const retriedTests = (r) => [...(r?.tests ?? [])].filter(([, t]) => t.retried).map(([name, t]) => `${name}: ${t.message.slice(0, 200)}`);
    rows.push({
      stack,
      versions: v,
      suite,
      msb: count(msb),
      runsc: count(runsc),
      blame,
      runscMissing: !runsc,
      retriedTests: { msb: retriedTests(msb), runsc: retriedTests(runsc) },
    });
  }
}

const fmt = (c) => `${c.passed}${c.retried ? ` (${c.retried} on retry)` : ''} / ${c.failed} / ${c.skipped}`;
const lines = [
  `Compatibility matrix, measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run test:compat -- ${stacks.join(' ')}\``,
  '',
  "| stack | Docker | containerd | runc | runsc | compose | suite | msb pass / fail / skip | runsc alone pass / fail / skip | failures: msb's | failures: runsc's |",
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    ({ versions: v, ...r }) =>
      `| ${r.stack} | ${v.docker ?? '?'} | ${v.containerd ?? '?'} | ${v.runc ?? '?'} | ${v.runsc ?? '?'} | ${v.compose ?? '?'} | ${r.suite} | ${fmt(r.msb)} | ${r.runscMissing ? 'no report' : fmt(r.runsc)} | ${r.blame.msb ? `**${r.blame.msb}**` : 0} | ${r.blame.runsc} |`,
  ),
  '',
  "Tests of what msb adds (scripts/compat/msb-only.txt: the DNS relay, the compose demo, msb's refusals) are expected to fail under runsc alone.",
  'Every test gets one retry; "on retry" counts tests that failed once and then passed (their first failure is listed below).',
];
const retried = [];
for (const [runtime, key] of [
  ['msb', 'msb'],
  ['runsc alone', 'runsc'],
]) {
  for (const r of rows) for (const t of r.retriedTests?.[key] ?? []) retried.push(`- ${r.stack} / ${r.suite} under ${runtime}: ${t}`);
}
for (const who of ['msb', 'runsc']) {
  const list = blamed.filter((b) => b.who === who);
  if (list.length === 0) continue;
  lines.push('', `Failures attributed to ${who}:`, ...list.map((b) => `- ${b.stack} / ${b.suite}: ${b.test} (${b.why}): ${b.message.slice(0, 200)}`));
}
if (retried.length > 0) lines.push('', 'Passed on retry (first failure):', ...retried);
if (unmeasured.length > 0) lines.push('', 'Not measured:', ...unmeasured.map((u) => `- ${u}`));
const text = `${lines.join('\n')}\n`;
process.stdout.write(`\n${text}`);
writeFileSync(join(out, 'matrix.md'), text);
writeFileSync(join(out, 'matrix.json'), `${JSON.stringify({ rows, blamed, unmeasured }, null, 2)}\n`);
process.exit(unmeasured.length > 0 ? 2 : blamed.some((b) => b.who === 'msb') ? 1 : 0);
