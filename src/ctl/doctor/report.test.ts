import { readFileSync } from 'node:fs';
// ajv is CommonJS: under NodeNext its class is the module's `default` property.
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { CHECK_STATUSES, type CheckStatus, exitCodeFor, worstStatus } from './check.js';
import { DOCTOR_CHECKS } from './checks.js';
import { type DoctorReport, formatReport, runChecks } from './report.js';

describe('worstStatus and exitCodeFor', () => {
  it.each<{ statuses: CheckStatus[]; worst: CheckStatus; exit: number }>([
    { statuses: [], worst: 'skip', exit: 0 },
    { statuses: ['skip', 'ok'], worst: 'ok', exit: 0 },
    { statuses: ['ok', 'warn', 'skip'], worst: 'warn', exit: 1 },
    { statuses: ['fail', 'warn', 'ok'], worst: 'fail', exit: 2 },
  ])('$statuses → $worst, exit $exit', ({ statuses, worst, exit }) => {
    expect(worstStatus(statuses)).toBe(worst);
    expect(exitCodeFor(worstStatus(statuses))).toBe(exit);
  });
});

describe('runChecks', () => {
  it('runs in order, turns a throwing check into a fail and keeps going', async () => {
    const report = await runChecks(
      [
        { id: 'a', run: () => ({ status: 'ok', summary: 'fine' }) },
        {
          id: 'b',
          run: () => {
            throw new Error('kaput');
          },
        },
        { id: 'c', run: async () => ({ status: 'warn', summary: 'hm', fix: 'do x' }) },
      ],
      {},
      '9.9.9',
    );
    expect(report).toEqual({
      schemaVersion: 1,
      msbVersion: '9.9.9',
      status: 'fail',
      exitCode: 2,
      checks: [
        { id: 'a', status: 'ok', summary: 'fine' },
        { id: 'b', status: 'fail', summary: 'the check itself failed: kaput', fix: 'report this as a bug in msbctl doctor' },
        { id: 'c', status: 'warn', summary: 'hm', fix: 'do x' },
      ],
    });
  });
});

describe('formatReport', () => {
  const report: DoctorReport = {
    schemaVersion: 1,
    msbVersion: '0.1.0',
    status: 'warn',
    exitCode: 1,
    checks: [
      { id: 'runsc', status: 'ok', summary: 'found', detail: 'looked in PATH' },
      { id: 'kvm', status: 'warn', summary: 'kvm-pvm', fix: 'use real KVM' },
    ],
  };
  it('prints one line per check, the fix below it, and a total', () => {
    expect(formatReport(report)).toBe(
      ['OK    runsc  found', 'WARN  kvm    kvm-pvm', '             fix: use real KVM', 'msb 0.1.0: 0 fail, 1 warn, 1 ok, 0 skip (exit 1)', ''].join('\n'),
    );
  });
  it('adds the detail with --verbose', () => {
    expect(formatReport(report, true)).toContain('OK    runsc  found\n             looked in PATH\n');
  });
});

describe('src/schemas/doctor-report.schema.json', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/doctor-report.schema.json', import.meta.url), 'utf8')) as {
    definitions: { check: { properties: { id: { enum: string[] } } } };
  };
  const validate = new AjvModule.default({ strict: false }).compile(schema);

  it('lists exactly the check ids doctor runs', () => {
    expect(schema.definitions.check.properties.id.enum).toEqual(DOCTOR_CHECKS.map((c) => c.id));
  });

  it('accepts a report and refuses a warn without a fix', async () => {
    const report = await runChecks(
      DOCTOR_CHECKS.slice(0, 1).map((c) => ({ id: c.id, run: () => ({ status: 'warn' as const, summary: 's', fix: 'f', facts: { a: 1, b: null } }) })),
      {},
      '0.1.0',
    );
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const { fix: _fix, ...noFix } = report.checks[0]!;
    expect(validate({ ...report, checks: [noFix] })).toBe(false);
  });
});

describe('DOCTOR_CHECKS', () => {
  it('has unique kebab-case ids', () => {
    const ids = DOCTOR_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  it('every check id and status is documented in docs/doctor.md, and has a section in docs/troubleshooting.md', () => {
    const doctorDoc = readFileSync(new URL('../../../docs/doctor.md', import.meta.url), 'utf8');
    const troubleshooting = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');
    const sections = [...troubleshooting.matchAll(/^## `([a-z0-9-]+)`/gm)].map((m) => m[1]);
    expect(sections).toEqual(DOCTOR_CHECKS.map((c) => c.id));
    for (const c of DOCTOR_CHECKS) expect(doctorDoc).toContain(`| \`${c.id}\` |`);
    for (const s of CHECK_STATUSES) expect(doctorDoc).toContain(`| \`${s}\` |`);
  });
});
