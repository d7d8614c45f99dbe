import type { Checkpointing, CheckpointRequest } from '../backend.js';
import { runscCheckpointArgs } from '../checkpoint-flags.js';

/** gvisorCheckpointing is runsc's checkpoint/restore behind runc's flags (docs/checkpoint.md). */
export const gvisorCheckpointing: Checkpointing = {
  supported: true,
  mapFlags: (command, flags) => runscCheckpointArgs(command, flags),
  // Imported when called: the module that holds this object is loaded by every later command.
  checkpoint: async (req: CheckpointRequest): Promise<number> =>
    (await import('./run-through-launcher.js')).runThroughLauncher(req.launcher, req.runtime, ['checkpoint', ...req.args, req.id]),
};
