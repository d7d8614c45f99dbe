import { shQuote } from '../base/shell-quote.js';

/**
 * msbExecLines is a launcher's msb_exec: the commands in `viaNode` go to msb's Node half (with
 * the container's --root), every other one execs the backend's command line `backend` (already
 * quoted); `own` maps a command to the sh line the launcher runs for it instead. $msb_cmd and
 * $msb_dist are shim/msb-runtime's variables.
 */
export function msbExecLines(viaNode: readonly string[], root: string, backend: string, own: readonly (readonly [string, string])[] = []): string[] {
  return [
    'msb_exec() {',
    `  case $msb_cmd in ${viaNode.join(' | ')})`,
    '    unset NODE_OPTIONS NODE_EXTRA_CA_CERTS NODE_PATH',
    `    exec node "$msb_dist/msb-runtime.cjs" --root ${shQuote(root)} "$@" ;;`,
    ...own.map(([cmd, line]) => `    ${cmd}) ${line} ;;`),
    '  esac',
    `  exec ${backend} "$@"`,
    '}',
  ];
}
