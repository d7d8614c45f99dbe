/** CleanupAction undoes one thing the benchmark set up. */
export interface CleanupAction {
  what: string;
  run: () => void;
}

/** Interrupted is thrown at the next checkpoint after SIGINT, SIGTERM or SIGHUP. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Cleanup is the benchmark's undo stack: every container, runtime registration and directory it
 * makes is pushed here as soon as it exists and undone in reverse order by runAll, which the entry
 * point calls from `finally`. Signals only set a flag: the measurements are synchronous spawns, so
 * a handler could not run mid-spawn anyway; `checkpoint()` between spawns turns the flag into an
 * Interrupted error, and that unwinds through the same `finally`.
 */
export class Cleanup {
  private readonly actions: CleanupAction[] = [];
  private signal: NodeJS.Signals | undefined;
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    if (this.signal) {
      process.stderr.write(`bench: ${sig} again; still cleaning up, please wait\n`);
      return;
    }
    this.signal = sig;
    process.stderr.write(`bench: ${sig}: stopping after the current command, then cleaning up\n`);
  };

  /** installSignalHandlers makes SIGINT/SIGTERM/SIGHUP stop the benchmark at the next checkpoint. */
  installSignalHandlers(): void {
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  /** removeSignalHandlers restores the default signal behaviour. */
  removeSignalHandlers(): void {
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }

  /** push registers an undo action; the returned function drops it once it is no longer needed. */
  push(what: string, run: () => void): () => void {
    const action = { what, run };
    this.actions.push(action);
    return () => {
      const i = this.actions.indexOf(action);
      if (i >= 0) this.actions.splice(i, 1);
    };
  }

  /** checkpoint lets pending signals be delivered, then throws Interrupted if one arrived. */
  async checkpoint(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.signal) throw new Interrupted(this.signal);
  }

  /** exitCodeForSignal is 128 + the signal number, as a shell reports it. */
  exitCodeForSignal(): number | undefined {
    return this.signal ? 128 + (SIGNAL_NUMBERS[this.signal] ?? 0) : undefined;
  }

  /** runAll undoes everything, newest first; it reports failures and carries on. */
  runAll(log: (msg: string) => void): string[] {
    const failures: string[] = [];
    while (this.actions.length > 0) {
      const action = this.actions.pop() as CleanupAction;
      log(`cleanup: ${action.what}`);
      try {
        action.run();
      } catch (err) {
        const msg = `cleanup: ${action.what} failed: ${err instanceof Error ? err.message : String(err)}`;
        failures.push(msg);
        log(msg);
      }
    }
    return failures;
  }
}
