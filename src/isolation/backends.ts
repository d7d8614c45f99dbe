import type { Backend } from './backend.js';
import { gvisorBackend } from './gvisor/gvisor-backend.js';
import { krunBackend } from './krun/krun-backend.js';

/** BACKENDS are the sandboxes this build can run, by isolation name (create's; later commands use RECORDED_BACKENDS). */
export const BACKENDS: Readonly<Record<string, Backend>> = { gvisor: gvisorBackend, krun: krunBackend };
