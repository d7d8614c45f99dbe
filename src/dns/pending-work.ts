/**
 * Work a create starts and does not wait for (the relay notification: relay-registration-step.ts).
 * The Node path's process waits for it anyway, since it runs until its event loop drains; the
 * create helper, which outlives each create, waits for what each create started before it answers
 * (src/oci/create-helper/serve.ts), so a container never starts before its relay knows it.
 */
const pending = new Set<Promise<void>>();

/** trackPending remembers p until it settles (it never rejects here). */
export function trackPending(p: Promise<unknown>): void {
  const settled: Promise<void> = p.then(
    () => undefined,
    () => undefined,
  );
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/** startedDuring runs fn and returns its value with the work fn started and did not wait for. */
export function startedDuring<T>(fn: () => T): { value: T; work: Promise<void>[] } {
  const before = new Set(pending);
  const value = fn();
  return { value, work: [...pending].filter((p) => !before.has(p)) };
}
