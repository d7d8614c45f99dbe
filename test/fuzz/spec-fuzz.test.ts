// Issue 15: mutated Docker config.json files and argument lists through msb's argv parsing,
// spec reading, policy, backend selection and the backends' checks and rewrites (planCreate: no
// writes, no runsc run). Every case must end in a typed MsbError with one line of message, or in
// a spec never weaker than the input and the policy (never-weaker.ts). Cases that once failed
// stay in regressions.json, replayed first. MSB_FUZZ_RUNS and MSB_FUZZ_SEED override the defaults.
// The default seed is fixed so that CI is reproducible (a red run does not land); explore new
// cases with MSB_FUZZ_SEED=random (three such runs found three bugs while this suite was young).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifySpec } from '../../src/base/exact-json.js';
import { type FuzzCase, type FuzzHost, leftovers, makeFuzzHost, type PolicyName, runCase } from './fuzz-host.js';
import { fuzzCaseArb } from './mutations.js';
import { problemsOf } from './never-weaker.js';

const RUNS = Number(process.env.MSB_FUZZ_RUNS ?? 10_000);
const SEED_ENV = process.env.MSB_FUZZ_SEED;
const SEED = SEED_ENV === 'random' ? Math.floor(Math.random() * 2 ** 31) : SEED_ENV !== undefined ? Number(SEED_ENV) : 775333631;

/**
 * Regression is a case that once failed: edits of the fixture (path → value), or the exact
 * config.json the fuzzer printed (as text, or base64 when it is not UTF-8; `@DIR@` for the fuzz
 * directory).
 */
interface Regression {
  note: string;
  policy: PolicyName;
  argv: string[];
  edits?: { path: (string | number)[]; value: unknown }[];
  config?: string;
  configBase64?: string;
}

function configOf(r: Regression): Buffer {
  if (r.configBase64 !== undefined) return replaceBytes(Buffer.from(r.configBase64, 'base64'), Buffer.from('@DIR@'), Buffer.from(host.dir));
  if (r.config !== undefined) return Buffer.from(r.config.replaceAll('@DIR@', host.dir));
  const doc = JSON.parse(host.base) as Record<string | number, unknown>;
  for (const e of r.edits ?? []) {
    let at: Record<string | number, unknown> = doc;
    for (const step of e.path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
    at[e.path[e.path.length - 1] ?? ''] = e.value;
  }
  return Buffer.from(stringifySpec(doc, host.base));
}

function replaceBytes(b: Buffer, from: Buffer, to: Buffer): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (let i = b.indexOf(from); i >= 0; i = b.indexOf(from, i + from.length)) {
    parts.push(b.subarray(last, i), to);
    last = i + from.length;
  }
  parts.push(b.subarray(last));
  return Buffer.concat(parts);
}

const regressions = JSON.parse(readFileSync(new URL('./regressions.json', import.meta.url), 'utf8')) as Regression[];

let host: FuzzHost;
beforeAll(async () => {
  host = await makeFuzzHost();
});
afterAll(async () => host?.close());

function check(c: FuzzCase): string[] {
  const outcome = runCase(host, c);
  return [...problemsOf(host, c, outcome), ...leftovers(host)];
}

describe('fuzz regressions (cases that once failed)', () => {
  it.each(regressions.map((r) => [r.note, r] as const))('%s', (_note, r) => {
    expect(check({ config: configOf(r), argv: r.argv, policy: r.policy })).toEqual([]);
  });
});

describe("fuzz: mutated Docker config.json and argv through create's planning", () => {
  it(`${RUNS} cases end in a one-line MsbError or a spec never weaker than input and policy`, () => {
    const counts = { 'argv-refused': 0, refused: 0, planned: 0 };
    const started = Date.now();
    const result = fc.check(
      fc.property(fuzzCaseArb(host), (c) => {
        const outcome = runCase(host, c);
        counts[outcome.kind]++;
        const problems = [...problemsOf(host, c, outcome), ...leftovers(host)];
        if (problems.length > 0) throw new Error(problems.join('; '));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(
      `fuzz: ${result.numRuns} cases (seed ${SEED}) in ${Date.now() - started} ms: ${counts.planned} planned, ${counts.refused} refused by create, ${counts['argv-refused']} refused as arguments`,
    );
    if (result.failed) {
      const c = result.counterexample?.[0] as FuzzCase | undefined;
      const text = c?.config.toString('utf8');
      const regression = c && {
        note: `seed ${SEED} path ${result.counterexamplePath}: ${String((result.errorInstance as Error | undefined)?.message ?? '').slice(0, 200)}`,
        policy: c.policy,
        argv: c.argv,
        ...(text !== undefined && Buffer.from(text).equals(c.config)
          ? { config: text.replaceAll(host.dir, '@DIR@') }
          : { configBase64: replaceBytes(c.config, Buffer.from(host.dir), Buffer.from('@DIR@')).toString('base64') }),
      };
      console.log(`fuzz: failing case for test/fuzz/regressions.json:\n${JSON.stringify(regression)}`);
    }
    expect(result.failed ? String((result.errorInstance as Error | undefined)?.message) : 'no failure').toBe('no failure');
    expect(result.numRuns).toBe(RUNS);
  }, 180_000); // the bound for 10,000 cases in CI; ~25 s on an idle 2-core machine here
});
