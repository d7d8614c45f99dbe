import type { ContainerRecord } from '../../base/record.js';
import { checkRecordBackend, checkSummaryFields } from '../summary-fields.js';
import type { VmConfig } from './vm-config.js';

/**
 * KrunSummary is what a krun container's record remembers (record.backendSummary): how runc runs
 * the VMM's container and which microVM it holds, for exec and update (checked when read back),
 * and msb's version and the host check, for list, doctor and humans.
 */
export type KrunSummary = {
  /** microsandbox's msb binary and version. */
  msb?: string;
  msbVersion?: string;
  runc: string;
  /** runc's global flags for the VMM's container (the launcher's command line, without --log). */
  runcArgs: string[];
  runcRoot?: string;
  /** The microVM (translateToVmConfig); exec and update reach it by vm.name. */
  vm: VmConfig;
  /** MiB the VMM itself needs beside the guest's memory (policy krun.vmmHeadroomMiB at create); update keeps it. */
  vmmHeadroomMiB: number;
  /** "usable", or the host check's warning under krun.hostCheck=warn. */
  hostCheck?: string;
};

/** readKrunSummary reads a krun record's summary, refusing one whose fields exec and update read have another shape. */
export function readKrunSummary(record: ContainerRecord): KrunSummary {
  checkRecordBackend('krun', record);
  const s = checkSummaryFields('krun', record, record.backendSummary, {
    msb: 'string?',
    msbVersion: 'string?',
    runc: 'string',
    runcArgs: 'string[]',
    runcRoot: 'string?',
    vm: 'object',
    vmmHeadroomMiB: 'number',
    hostCheck: 'string?',
  });
  checkSummaryFields('krun', record, s.vm, { name: 'string' }, 'backendSummary.vm');
  return s as KrunSummary;
}
