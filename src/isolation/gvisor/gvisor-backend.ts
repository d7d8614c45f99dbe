import type { Backend } from '../backend.js';
import { gvisorCommands } from './gvisor-commands.js';
import { prepareGvisor } from './gvisor-prepare.js';
import type { GvisorSummary } from './gvisor-summary.js';

/** gvisorBackend runs containers under runsc with msb's own runsc state root. */
export const gvisorBackend: Backend<GvisorSummary> = { ...gvisorCommands, prepare: prepareGvisor };
