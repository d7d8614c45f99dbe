import { MsbError } from '../base/errors.js';
import type { ContainerRecord } from '../base/record.js';
import type { RecordedBackend } from './backend.js';
import { gvisorCommands } from './gvisor/gvisor-commands.js';
import { krunCommands } from './krun/krun-commands.js';

/**
 * RECORDED_BACKENDS serve the later commands of the containers each backend created, by isolation
 * name: BACKENDS without prepare, so exec, update, ps and checkpoint do not load create's modules.
 */
export const RECORDED_BACKENDS: Readonly<Record<string, RecordedBackend>> = { gvisor: gvisorCommands, krun: krunCommands };

/** backendOf is the backend a recorded container runs under, or an MsbError for one this build does not know. */
export function backendOf(record: ContainerRecord): RecordedBackend {
  const backend = Object.hasOwn(RECORDED_BACKENDS, record.backend) ? RECORDED_BACKENDS[record.backend] : undefined;
  if (!backend) throw new MsbError('internal', `container ${record.id} runs under ${record.backend}, which this build does not know`);
  return backend;
}
