import type { ExecRequest, RecordedBackend, RecordedContainer, UpdateFlags } from '../backend.js';
import type { KrunContainer } from './krun-exec.js';
import { NODE_ROUTED_COMMANDS, RUNC_COMMANDS } from './krun-launcher.js';
import { type KrunSummary, readKrunSummary } from './krun-summary.js';

/** krunContainerOf is how exec and update reach a krun container: runc's command line for the VMM's container, and the microVM's name. */
function krunContainerOf(c: RecordedContainer): { container: KrunContainer; summary: KrunSummary } {
  const s = readKrunSummary(c.record);
  return { container: { id: c.id, dir: c.paths.dir, runc: s.runc, runcArgs: s.runcArgs, sandbox: s.vm.name }, summary: s };
}

/** krunExecCommand serves exec: the process runs in the guest, not in the VMM's container (krun-exec.ts). */
async function krunExecCommand(c: RecordedContainer, req: ExecRequest): Promise<number> {
  const { container } = krunContainerOf(c);
  const { krunExec } = await import('./krun-exec.js');
  return krunExec(container, [...c.runtime.logArgs], req);
}

/** krunUpdateCommand serves update: runc updates the cgroup and msb resizes the running guest (krun-update.ts). */
async function krunUpdateCommand(c: RecordedContainer, flags: UpdateFlags): Promise<number> {
  const { container, summary } = krunContainerOf(c);
  const { krunUpdate } = await import('./krun-update.js');
  return krunUpdate(container, [...c.runtime.logArgs], typeof flags.resources === 'string' ? flags.resources : undefined, summary.vmmHeadroomMiB);
}

/**
 * krunHostPids: the VMM's processes (tini, msb) are real host processes in the container's cgroup,
 * and runc lists them; the guest's processes have no host pids at all.
 */
async function krunHostPids(c: RecordedContainer): Promise<string> {
  const { launcherOutput } = await import('../launcher-output.js');
  return launcherOutput(c.paths.launcher, c.id, c.runtime.logArgs, 'ps', ['--format', 'json', c.id]);
}

/** krunCommands are how a krun container's later commands are served (prepare is krun-backend.ts's). */
export const krunCommands: RecordedBackend<KrunSummary> = {
  name: 'krun',
  // Checked on microsandbox 0.6.18: `msb snapshot create --from <sandbox>` copies the disk of a
  // STOPPED sandbox; nothing saves a running guest's memory and processes (docs/checkpoint.md).
  checkpointing: {
    supported: false,
    why: "microsandbox's msb 0.6.18 cannot snapshot a running microVM (msb snapshot saves only a stopped sandbox's disk, not its memory and processes)",
  },
  // The launcher runs runc for these (krun-launcher.ts); exec, update and checkpoint go to Node.
  launcherCommands: { sh: RUNC_COMMANDS, node: NODE_ROUTED_COMMANDS },
  summaryOf: readKrunSummary,
  exec: krunExecCommand,
  update: krunUpdateCommand,
  hostPidsJson: krunHostPids,
};
