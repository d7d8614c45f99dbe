import { MsbError } from '../base/errors.js';
import type { ContainerRecord } from '../base/record.js';
import type { Backend } from './backend.js';
import { gvisorBackend } from './gvisor/gvisor-backend.js';
import { krunBackend } from './krun/krun-backend.js';

/** BACKENDS are the sandboxes this build can run, by isolation name. */
export const BACKENDS: Readonly<Record<string, Backend>> = { gvisor: gvisorBackend, krun: krunBackend };

/** backendOf is the backend a recorded container runs under, or an MsbError for one this build does not know. */
export function backendOf(record: ContainerRecord): Backend {
  const backend = Object.hasOwn(BACKENDS, record.backend) ? BACKENDS[record.backend] : undefined;
  if (!backend) throw new MsbError('internal', `container ${record.id} runs under ${record.backend}, which this build does not know`);
  return backend;
}
