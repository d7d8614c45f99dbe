import { shQuote } from '../oci/shell-quote.js';

/**
 * msbExecLines is a launcher's msb_exec: the commands in `viaNode` go to msb's Node half (with
 * the container's --root), every other one execs the backend's command line `backend` (already
 * quoted). $msb_cmd and $msb_dist are shim/msb-runtime's variables.
 */
export function msbExecLines(viaNode: readonly string[], root: string, backend: string): string[] {
  return [
    'msb_exec() {',
    `  case $msb_cmd in ${viaNode.join(' | ')})`,
    '    unset NODE_OPTIONS NODE_EXTRA_CA_CERTS NODE_PATH',
    `    exec node "$msb_dist/msb-runtime.cjs" --root ${shQuote(root)} "$@" ;;`,
    '  esac',
    `  exec ${backend} "$@"`,
    '}',
  ];
}
