/** CheckStatus is one finding's verdict, from best to worst: skip < ok < warn < fail. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** CHECK_STATUSES lists every status, in the order worstStatus ranks them (best first). */
export const CHECK_STATUSES: readonly CheckStatus[] = ['skip', 'ok', 'warn', 'fail'];

/** FactValue is what a check's machine-readable facts hold: JSON scalars only, so the schema stays flat. */
export type FactValue = string | number | boolean | null;

/** CheckResult is one check's finding, exactly as `msbctl doctor --json` prints it (docs/doctor.md). */
export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** summary is one line for a person. */
  summary: string;
  /** detail adds what was looked at (paths, versions, reasons), possibly several lines. */
  detail?: string;
  /** fix says what to do; present whenever status is warn or fail. */
  fix?: string;
  /** facts are stable keys for scripts (documented per check in docs/doctor.md). */
  facts?: Record<string, FactValue>;
}

/** Finding is a check's answer before the runner stamps its id on it. */
export type Finding = Omit<CheckResult, 'id'>;

/** DoctorCheck is one prerequisite: an id (stable, kebab-case, a troubleshooting section) and its probe. */
export interface DoctorCheck<Ctx> {
  id: string;
  run: (ctx: Ctx) => Finding | Promise<Finding>;
}

/** worstStatus is the most severe status among results; skip when there are none. */
export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((worst, s) => (CHECK_STATUSES.indexOf(s) > CHECK_STATUSES.indexOf(worst) ? s : worst), 'skip');
}

/** exitCodeFor maps the worst status onto doctor's exit status: 0 ok (or all skipped), 1 warn, 2 fail. */
export function exitCodeFor(status: CheckStatus): number {
  if (status === 'fail') return 2;
  if (status === 'warn') return 1;
  return 0;
}
