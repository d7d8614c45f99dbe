import type { ParsedArgv } from '../argv.js';
import { MsbError } from '../../base/errors.js';
import { backendLogArgs, type GlobalOptions, logTargetOf } from '../global-options.js';
import { appendLogLine } from '../../base/log.js';
import { containerPaths } from '../../base/paths.js';
import { readRecord } from '../../base/record.js';

/**
 * routedCommand serves exec and update for containers whose launcher sends them to Node (krun:
 * exec must run in the guest, update must resize it; gVisor: runsc has no update, msb writes the
 * sandbox's cgroup; exec of a container with a pids limit gets that limit). It returns the exit status to report.
 */
export async function routedCommand(g: GlobalOptions, parsed: ParsedArgv): Promise<number> {
  const id = parsed.operands[0];
  if (!id) throw new MsbError('invalid-argument', `${parsed.command}: container id cannot be empty`);
  const paths = containerPaths(g.root, id);
  const record = readRecord(paths, id);
  if (record.backend === 'gvisor' && parsed.command === 'update') {
    const { gvisorUpdate, cgroupOfRecord } = await import('../../isolation/gvisor/gvisor-update.js');
    const { readUpdateResources } = await import('../../isolation/cgroups/update-flags.js');
    const debug = (msg: string): void => appendLogLine(logTargetOf(g), 'debug', msg);
    gvisorUpdate(id, cgroupOfRecord(record), readUpdateResources(parsed.flags), debug);
    return 0;
  }
  const f = parsed.flags;
  const str = (k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  if (record.backend === 'gvisor' && parsed.command === 'exec') {
    // Routed here only when the container has a pids limit (launcher.ts): exec gets it too.
    const g2 = record.backendSummary as { runsc: string; runscArgs: string[]; pids?: { user?: number } };
    const limit = g2.pids?.user;
    if (limit === undefined) throw new MsbError('internal', `exec: gVisor container ${id} has no pids limit for msb to apply`);
    const { gvisorExec } = await import('../../isolation/gvisor/exec-pids-limit.js');
    const c = { id, dir: paths.dir, bundle: record.bundle, runsc: g2.runsc, runscArgs: g2.runscArgs, pidsLimit: limit };
    return gvisorExec(c, backendLogArgs(g), { process: str('process'), detach: f.detach === true, pidFile: str('pid-file'), consoleSocket: str('console-socket') });
  }
  if (record.backend !== 'krun') throw new MsbError('unsupported', `${parsed.command} through msb's Node half serves krun, gVisor update and gVisor exec with a pids limit only; ${id} runs under ${record.backend}`);
  const s = record.backendSummary as { runc: string; runcArgs: string[]; vm: { name: string }; vmmHeadroomMiB: number };
  const c = { id, dir: paths.dir, runc: s.runc, runcArgs: s.runcArgs, sandbox: s.vm.name };
  if (parsed.command === 'update') {
    const { krunUpdate } = await import('../../isolation/krun/krun-update.js');
    return krunUpdate(c, backendLogArgs(g), str('resources'), s.vmmHeadroomMiB);
  }
  const { krunExec } = await import('../../isolation/krun/krun-exec.js');
  return krunExec(c, backendLogArgs(g), {
    process: str('process'),
    detach: f.detach === true,
    pidFile: str('pid-file'),
    consoleSocket: str('console-socket'),
    tty: f.tty === true,
    cwd: str('cwd'),
    env: str('env'),
    user: str('user'),
    args: parsed.operands.slice(1),
  });
}
