import { type CheckResult, type CheckStatus, type DoctorCheck, exitCodeFor, worstStatus } from './check.js';

/** DOCTOR_SCHEMA_VERSION is bumped whenever a field of the --json report changes meaning or goes away. */
const DOCTOR_SCHEMA_VERSION = 1;

/** DoctorReport is `msbctl doctor --json`'s whole output (docs/doctor.md). */
export interface DoctorReport {
  schemaVersion: number;
  msbVersion: string;
  /** status is the worst status of any check; exitCode is what msbctl exits with. */
  status: CheckStatus;
  exitCode: number;
  checks: CheckResult[];
}

/** runChecks runs the checks in order; one that throws becomes a fail naming the error, and the rest still run. */
export async function runChecks<Ctx>(checks: readonly DoctorCheck<Ctx>[], ctx: Ctx, msbVersion: string): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      const finding = await check.run(ctx);
      results.push({ id: check.id, ...finding });
    } catch (err) {
      results.push({
        id: check.id,
        status: 'fail',
        summary: `the check itself failed: ${(err as Error).message}`,
        fix: 'report this as a bug in msbctl doctor',
      });
    }
  }
  const status = worstStatus(results.map((r) => r.status));
  return { schemaVersion: DOCTOR_SCHEMA_VERSION, msbVersion, status, exitCode: exitCodeFor(status), checks: results };
}

/** formatReport renders the report for a person: one line per check (status, id, summary), its fix indented below. */
export function formatReport(report: DoctorReport, verbose = false): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(width)}  ${c.summary}`);
    const indent = ' '.repeat(6 + width + 2);
    if (verbose && c.detail) for (const d of c.detail.split('\n')) lines.push(`${indent}${d}`);
    if (c.fix) lines.push(`${indent}fix: ${c.fix}`);
  }
  const counts = (['fail', 'warn', 'ok', 'skip'] as const).map((s) => `${report.checks.filter((c) => c.status === s).length} ${s}`).join(', ');
  lines.push(`msb ${report.msbVersion}: ${counts} (exit ${report.exitCode})`);
  return `${lines.join('\n')}\n`;
}
