import { shQuote, shQuoteAll } from '../../base/shell-quote.js';
import { msbExecLines } from '../launcher-exec.js';

/** RUNC_COMMANDS are the commands the launcher passes to runc unchanged (the VMM's container is a runc container). */
export const RUNC_COMMANDS: readonly string[] = ['start', 'state', 'kill', 'delete', 'ps', 'pause', 'resume', 'events'];

/**
 * NODE_ROUTED_COMMANDS go to msb's Node half: exec runs in the guest (not the VMM's container),
 * update resizes the guest too, and checkpoint is refused there with the reason (runc would
 * checkpoint the VMM's process with CRIU, not the guest).
 */
export const NODE_ROUTED_COMMANDS: readonly string[] = ['exec', 'update', 'checkpoint'];

/** KrunLauncherInputs describe one krun container's later commands. */
export interface KrunLauncherInputs {
  id: string;
  bundle: string;
  root: string;
  runc: string;
  runcArgs: readonly string[];
  /** Host files msb made for the container outside its record (the docker volume image). */
  ownedFiles: readonly string[];
}

/**
 * krunLauncher writes the sh fragment shim/msb-runtime sources for the container: runc with
 * msb's runc root for the lifecycle, and msb's Node half for exec and update ($msb_cmd and
 * $msb_dist are shim/msb-runtime's variables).
 */
export function krunLauncher(i: KrunLauncherInputs): string {
  const runc = shQuoteAll([i.runc, ...i.runcArgs]);
  return [
    `# msb launcher for container ${i.id}: written at create, sourced by shim/msb-runtime.`,
    'msb_backend=krun',
    `msb_bundle=${shQuote(i.bundle)}`,
    `msb_commands=${shQuote(` ${[...RUNC_COMMANDS, ...NODE_ROUTED_COMMANDS].join(' ')} `)}`,
    ...msbExecLines(NODE_ROUTED_COMMANDS, i.root, runc),
    i.ownedFiles.length > 0 ? `msb_cleanup() { rm -f -- ${shQuoteAll(i.ownedFiles)}; }` : 'msb_cleanup() { :; }',
    "msb_quirk_commands=''",
    '',
  ].join('\n');
}
