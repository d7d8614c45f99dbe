import { shQuote } from '../../oci/shell-quote.js';
import { MSB_HOME_DIR } from './krun-process.js';

/**
 * vmmEntryScript is the sh script between tini and msb in the VMM's container. It runs `msb run`
 * in the foreground (the workload keeps the container's stdio, tty included) and ignores the
 * signals tini forwards to the whole process group (tini -g), so msb gets them and stops the
 * guest while the script waits for its exit status. When msb fails and its runtime log shows an
 * error, it prints msb's own runtime log (INFO and up) and `msb inspect`, so `docker run` ends
 * with the reason instead of msb's "run `msb logs`" hint, which points into a tmpfs that is gone
 * once the container stops.
 */
export function vmmEntryScript(name: string, hostNote: string | undefined, home: string = MSB_HOME_DIR): string {
  const log = `${home}/sandboxes/${name}/logs/runtime.log`;
  return [
    '# msb (krun) VMM entry: written at create; sourced by no one, run by tini as `sh entry.sh msb run ...`.',
    'trap : HUP INT QUIT TERM USR1 USR2',
    '"$@"',
    'rc=$?',
    '[ "$rc" -eq 0 ] && exit 0',
    `log=${shQuote(log)}`,
    'failed=',
    '[ -r "$log" ] && while IFS= read -r line; do case $line in *ERROR*) failed=1 ;; esac; done <"$log"',
    '[ -n "$failed" ] || exit "$rc"',
    'printf \'msb: krun: the microVM failed (msb exit %s); msb runtime log:\\n\' "$rc" >&2',
    'while IFS= read -r line; do case $line in *\' DEBUG \'*|*\' TRACE \'*) ;; *) printf \'  %s\\n\' "$line" >&2 ;; esac; done <"$log"',
    `printf 'msb: krun: msb inspect %s:\\n' ${shQuote(name)} >&2`,
    `"$1" inspect ${shQuote(name)} >&2 2>&1`,
    hostNote ? `printf 'msb: krun: %s\\n' ${shQuote(hostNote)} >&2` : ':',
    'exit "$rc"',
    '',
  ].join('\n');
}
