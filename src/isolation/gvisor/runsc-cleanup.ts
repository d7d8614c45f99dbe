import { spawnSync } from 'node:child_process';
import { shQuote, shQuoteAll } from '../../base/shell-quote.js';

/** RunscCleanupInputs name one container's runsc processes and files. */
export interface RunscCleanupInputs {
  id: string;
  bundle: string;
  runsc: string;
  /** runsc's global flags, its --root first (as the launcher runs it). */
  runscArgs: readonly string[];
  runscRoot: string;
  /** How many times msb_stop_backend signals before it gives up (0.1 s apart). */
  attempts?: number;
}

/**
 * runscCleanup writes the sh fragment that stops everything runsc runs for one container and
 * removes runsc's files for it: `msb_stop_backend` SIGKILLs every process whose argv names this
 * container's runsc root and its id or bundle (runsc create, runsc-gofer, runsc-sandbox), waits
 * until none is left, lets `runsc delete --force` drop its record, and removes the `.lock` and
 * `.state` files a killed create leaves. It returns non-zero, with $msb_stop_error set, if any
 * process survives. It is written before runsc create, so `delete --force` works while a
 * create for the id is stuck (gVisor's kvm platform on a kvm-pvm host never returns, issue 15),
 * and create's own failure path runs the same text. Zombies have an empty cmdline and no longer
 * match; neither does a `runsc delete --force` (another cleanup's, which ends what it names
 * itself). A process's argv is read whole (grep -z, one NUL-separated element per record, -x
 * exact), so a path with spaces or quotes matches only itself.
 */
export function runscCleanup(i: RunscCleanupInputs): string {
  const attempts = i.attempts ?? 50;
  return [
    `# msb cleanup for container ${i.id}: written before runsc create; sourced by shim/msb-runtime (delete --force) and run by create's failure path.`,
    `msb_cleanup_id=${shQuote(i.id)}`,
    `msb_cleanup_root=${shQuote(i.runscRoot)}`,
    `msb_cleanup_bundle=${shQuote(i.bundle)}`,
    'msb_runsc_pids() {',
    '  for msb_f in $(grep -lzxF -e "--root=$msb_cleanup_root" -e "$msb_cleanup_root" /proc/[0-9]*/cmdline 2>/dev/null); do',
    '    grep -qzxF -e "$msb_cleanup_id" -e "--bundle=$msb_cleanup_bundle" -e "$msb_cleanup_bundle" "$msb_f" 2>/dev/null || continue',
    // A concurrent cleanup's runsc delete --force (create's failure path and delete --force race
    // when delete kills a create): it ends what it names itself, and killing it would fail that
    // cleanup ("Killed" on Docker's stderr).
    '    grep -qzxF delete "$msb_f" 2>/dev/null && grep -qzxF -e --force "$msb_f" 2>/dev/null && continue',
    '    msb_p=${msb_f#/proc/}; msb_p=${msb_p%/cmdline}',
    '    [ "$msb_p" = "$$" ] || printf \'%s \' "$msb_p"',
    '  done',
    '}',
    'msb_stop_backend() {',
    '  msb_n=0',
    '  while msb_pids=$(msb_runsc_pids); [ -n "$msb_pids" ]; do',
    `    if [ "$msb_n" -ge ${attempts} ]; then msb_stop_error="runsc processes $msb_pids of container $msb_cleanup_id are still running after SIGKILL"; return 1; fi`,
    '    kill -KILL $msb_pids 2>/dev/null',
    '    msb_n=$((msb_n + 1))',
    '    sleep 0.1',
    '  done',
    // Only when runsc still has a record; bounded: a wedged runsc must not hold delete.
    '  for msb_f in "$msb_cleanup_root"/*_sandbox:"$msb_cleanup_id".state "$msb_cleanup_root"/"$msb_cleanup_id"_sandbox:*.state; do',
    '    [ -e "$msb_f" ] || continue',
    `    if command -v timeout >/dev/null 2>&1; then timeout -s KILL 10 ${shQuoteAll([i.runsc, ...i.runscArgs])} delete --force "$msb_cleanup_id"; else ${shQuoteAll([i.runsc, ...i.runscArgs])} delete --force "$msb_cleanup_id"; fi >/dev/null 2>&1`,
    '    break',
    '  done',
    // runsc names a container's files <container>_sandbox:<sandbox>: a pod's sandbox ends in its
    // own id (and takes its sub-containers' files with it), a sub-container starts with its id.
    '  rm -f -- "$msb_cleanup_root"/*_sandbox:"$msb_cleanup_id".lock "$msb_cleanup_root"/*_sandbox:"$msb_cleanup_id".state \\',
    '    "$msb_cleanup_root"/"$msb_cleanup_id"_sandbox:*.lock "$msb_cleanup_root"/"$msb_cleanup_id"_sandbox:*.state "$msb_cleanup_root/runsc-$msb_cleanup_id.sock"',
    '  return 0',
    '}',
    '',
  ].join('\n');
}

/**
 * stopBackend runs a runscCleanup script's msb_stop_backend from Node (create's failure path, the
 * orphan sweep): undefined once every process and file is gone, else why not.
 */
export function stopBackend(script: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', `${script}\nmsb_stop_backend || { printf '%s\\n' "$msb_stop_error" >&2; exit 1; }`], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
  return r.status === 0 ? undefined : r.stderr.trim() || r.error?.message || `exit ${r.status}`;
}
