/** RECENT_MS is how far back a failure still makes a running relay "failing" (5 minutes). */
export const RECENT_MS = 5 * 60 * 1000;

/** RelayProblems are what is wrong with a running relay: failures (names do not resolve) and warnings. */
export interface RelayProblems {
  failures: string[];
  warnings: string[];
}

interface StatusFields {
  pid?: number;
  counters?: { unanswered?: number };
  health?: { lastAnsweredAt?: string; lastUnansweredAt?: string; lastDockerError?: { at: string; id: string; message: string } };
  install?: { entry?: string | null; state?: string };
  networks?: { address: string; guard?: { guarded: boolean; reason?: string } }[];
}

const recent = (at: string | undefined, now: number): boolean => at !== undefined && now - Date.parse(at) <= RECENT_MS;

/**
 * relayProblems judges a running relay's status: queries it left unanswered, or a container's
 * Docker resolver it could not reach, in the last five minutes are failures (a relay that
 * receives queries and answers none is not "running", issue 15); an install rebuilt or removed
 * under it is a warning (it needs none of those files, but runs an older build).
 */
export function relayProblems(status: StatusFields, now: number = Date.now()): RelayProblems {
  const failures: string[] = [];
  const warnings: string[] = [];
  const h = status.health ?? {};
  if (recent(h.lastUnansweredAt, now)) {
    const since =
      h.lastAnsweredAt && Date.parse(h.lastAnsweredAt) > Date.parse(h.lastUnansweredAt as string)
        ? `, answered others since ${h.lastAnsweredAt}`
        : ', none answered since';
    failures.push(`queries left unanswered: ${status.counters?.unanswered ?? '?'} in all, the last at ${h.lastUnansweredAt}${since}`);
  }
  if (h.lastDockerError && recent(h.lastDockerError.at, now)) {
    failures.push(
      `cannot reach Docker's resolver in container ${h.lastDockerError.id.slice(0, 12)} (at ${h.lastDockerError.at}): ${h.lastDockerError.message}`,
    );
  }
  const install = status.install;
  if (install?.state === 'gone')
    warnings.push(`started from ${install.entry}, which no longer exists (it runs from memory; kill ${status.pid ?? 'it'} to run the installed build)`);
  if (install?.state === 'changed')
    warnings.push(`${install.entry} was rebuilt since this relay started (kill ${status.pid ?? 'it'}: the next start runs the new build)`);
  for (const n of status.networks ?? []) {
    if (n.guard && !n.guard.guarded)
      warnings.push(`gateway ${n.address}: queries with a forged source from other networks are not kept out (${n.guard.reason ?? 'no reason given'})`);
  }
  return { failures, warnings };
}
