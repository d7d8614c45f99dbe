import { shQuote } from '../../base/shell-quote.js';
import { MSB_HOME_DIR } from './krun-process.js';

/** PEERS_PLACEHOLDER stands in msb's arguments for the egress rules of the container's own networks, known only at start. */
export const PEERS_PLACEHOLDER = '@msb-egress-peers@';

/**
 * peerRulesLines replace PEERS_PLACEHOLDER (before `--`) with `--net-rule deny@GATEWAY` (the host
 * through the default route's gateway: a peer is not the host) and `--net-rule allow@SUBNET` for
 * each network directly attached to the container's netns, read from /proc/net/route (hex,
 * little-endian). Docker has attached them by start (at create on Docker 28 it has not).
 */
function peerRulesLines(routes: string): string[] {
  return [
    `peers= gw=`,
    `hexip() { h=$1; a=$((0x\${h#??????})); h=\${h%??}; b=$((0x\${h#????})); h=\${h%??}; c=$((0x\${h#??})); d=$((0x\${h%??})); echo "$a.$b.$c.$d"; }`,
    `bits() { m=$((0x$1)); n=0; while [ "$m" -ne 0 ]; do n=$((n + (m & 1))); m=$((m >> 1)); done; echo "$n"; }`,
    `if [ -r ${shQuote(routes)} ]; then`,
    `  while read -r ifc dst via flags ref use metric mask rest; do`,
    `    case $ifc in Iface | lo) continue ;; esac`,
    `    if [ "$dst" = 00000000 ]; then [ "$via" = 00000000 ] || gw=$(hexip "$via"); continue; fi`,
    `    [ "$via" = 00000000 ] && peers="$peers $(hexip "$dst")/$(bits "$mask")"`,
    `  done <${shQuote(routes)}`,
    `fi`,
    `after=`,
    `for arg; do`,
    `  shift`,
    `  if [ -z "$after" ] && [ "$arg" = ${shQuote(PEERS_PLACEHOLDER)} ]; then`,
    `    [ -n "$gw" ] && set -- "$@" --net-rule "deny@$gw"`,
    `    for p in $peers; do set -- "$@" --net-rule "allow@$p"; done`,
    `    continue`,
    `  fi`,
    `  [ "$arg" = -- ] && after=1`,
    `  set -- "$@" "$arg"`,
    `done`,
  ];
}

/**
 * vmmEntryScript is the sh script between tini and msb in the VMM's container. It runs `msb run`
 * in the foreground (the workload keeps the container's stdio, tty included) and ignores the
 * signals tini forwards to the whole process group (tini -g), so msb gets them and stops the
 * guest while the script waits for its exit status. When msb fails and its runtime log shows an
 * error, it prints msb's own runtime log (INFO and up) and `msb inspect`, so `docker run` ends
 * with the reason instead of msb's "run `msb logs`" hint, which points into a tmpfs that is gone
 * once the container stops.
 */
export function vmmEntryScript(name: string, hostNote: string | undefined, home: string = MSB_HOME_DIR, routes = '/proc/net/route'): string {
  const log = `${home}/sandboxes/${name}/logs/runtime.log`;
  return [
    '# msb (krun) VMM entry: written at create; sourced by no one, run by tini as `sh entry.sh msb run ...`.',
    'trap : HUP INT QUIT TERM USR1 USR2',
    ...peerRulesLines(routes),
    '"$@"',
    'rc=$?',
    '[ "$rc" -eq 0 ] && exit 0',
    `log=${shQuote(log)}`,
    'failed=',
    '[ -r "$log" ] && while IFS= read -r line; do case $line in *ERROR*) failed=1 ;; esac; done <"$log"',
    '[ -n "$failed" ] || exit "$rc"',
    'printf \'msb: krun: the microVM failed (msb exit %s); msb runtime log:\\n\' "$rc" >&2',
    "while IFS= read -r line; do case $line in *' DEBUG '*|*' TRACE '*) ;; *) printf '  %s\\n' \"$line\" >&2 ;; esac; done <\"$log\"",
    `printf 'msb: krun: msb inspect %s:\\n' ${shQuote(name)} >&2`,
    `"$1" inspect ${shQuote(name)} >&2 2>&1`,
    hostNote ? `printf 'msb: krun: %s\\n' ${shQuote(hostNote)} >&2` : ':',
    'exit "$rc"',
    '',
  ].join('\n');
}
