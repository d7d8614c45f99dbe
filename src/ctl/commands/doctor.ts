import { readVersion } from '../../oci/version.js';
import { DOCTOR_CHECKS } from '../doctor/checks.js';
import { createDoctorContext } from '../doctor/context.js';
import { type DoctorHost, realDoctorHost } from '../doctor/host.js';
import { formatReport, runChecks } from '../doctor/report.js';

/** DoctorCommandOptions are `msbctl doctor`'s flags, already parsed. */
export interface DoctorCommandOptions {
  json: boolean;
  verbose: boolean;
  config: string;
  policy?: string;
  runtime?: string;
}

/** doctor runs every check, prints the report (JSON or one line per check) and returns the exit status. */
export async function doctor(
  options: DoctorCommandOptions,
  host: DoctorHost = realDoctorHost(options.config),
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const ctx = createDoctorContext(host, {
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
  });
  const report = await runChecks(DOCTOR_CHECKS, ctx, readVersion());
  out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, options.verbose));
  return report.exitCode;
}
