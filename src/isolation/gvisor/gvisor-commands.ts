import { MsbError } from '../../base/errors.js';
import { appendLogLine } from '../../base/log.js';
import type { ExecRequest, RecordedBackend, RecordedContainer, UpdateFlags } from '../backend.js';
import { gvisorCheckpointing } from './gvisor-checkpoint.js';
import { type GvisorSummary, readGvisorSummary } from './gvisor-summary.js';
import { GVISOR_PIDS_NODE_COMMANDS, RUNSC_COMMANDS } from './launcher-commands.js';

/**
 * gvisorExec serves exec, which the launcher sends to Node only for a container with a pids
 * limit (launcher.ts): runsc exec cannot give the process RLIMIT_NPROC, so msb wraps it.
 */
async function gvisorExec(c: RecordedContainer, req: ExecRequest): Promise<number> {
  const s = readGvisorSummary(c.record);
  const limit = s.pids?.user;
  if (limit === undefined) throw new MsbError('internal', `exec: gVisor container ${c.id} has no pids limit for msb to apply`);
  const { gvisorExec: run } = await import('./exec-pids-limit.js');
  return run({ id: c.id, dir: c.paths.dir, bundle: c.record.bundle, runsc: s.runsc, runscArgs: s.runscArgs, pidsLimit: limit }, [...c.runtime.logArgs], req);
}

/** gvisorUpdateCommand serves update: runsc has none, so msb writes the sandbox's host cgroup (gvisor-update.ts). */
async function gvisorUpdateCommand(c: RecordedContainer, flags: UpdateFlags): Promise<number> {
  const s = readGvisorSummary(c.record);
  const { gvisorUpdate, cgroupOfRecord } = await import('./gvisor-update.js');
  const { readUpdateResources } = await import('../cgroups/update-flags.js');
  gvisorUpdate(c.id, cgroupOfRecord(c.record, s), readUpdateResources(flags), (msg) => appendLogLine(c.runtime.log, 'debug', msg));
  return 0;
}

/**
 * gvisorHostPids: processes inside a gVisor sandbox have no host pids (runsc's sandbox pids would
 * make Docker show unrelated host processes), so `docker top` gets the sandbox's own host
 * process, the container's pid from runsc state.
 */
async function gvisorHostPids(c: RecordedContainer): Promise<string> {
  const { launcherOutput } = await import('../launcher-output.js');
  const state = JSON.parse(launcherOutput(c.paths.launcher, c.id, c.runtime.logArgs, 'state', [c.id])) as { pid?: number };
  return `${JSON.stringify(state.pid ? [state.pid] : [])}\n`;
}

/** gvisorCommands are how a gVisor container's later commands are served (prepare is gvisor-backend.ts's). */
export const gvisorCommands: RecordedBackend<GvisorSummary> = {
  name: 'gvisor',
  checkpointing: gvisorCheckpointing,
  // The launcher runs runsc for these (launcher.ts); update and checkpoint, and exec of a
  // container with a pids limit, go to Node.
  launcherCommands: { sh: RUNSC_COMMANDS, node: GVISOR_PIDS_NODE_COMMANDS },
  summaryOf: readGvisorSummary,
  exec: gvisorExec,
  update: gvisorUpdateCommand,
  hostPidsJson: gvisorHostPids,
};
