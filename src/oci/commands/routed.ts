import type { ParsedArgv } from '../argv.js';
import { MsbError } from '../../base/errors.js';
import type { ExecRequest, RecordedContainer } from '../../isolation/backend.js';
import { backendOf } from '../../isolation/recorded-backends.js';
import { type GlobalOptions, runtimeContextOf } from '../global-options.js';
import { containerPaths } from '../../base/paths.js';
import { readRecord } from '../../base/record.js';

/** execRequestOf is runc exec's flags and command from its parsed command line. */
function execRequestOf(parsed: ParsedArgv): ExecRequest {
  const f = parsed.flags;
  const str = (k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  return {
    process: str('process'),
    detach: f.detach === true,
    pidFile: str('pid-file'),
    consoleSocket: str('console-socket'),
    tty: f.tty === true,
    cwd: str('cwd'),
    env: str('env'),
    user: str('user'),
    args: parsed.operands.slice(1),
  };
}

/**
 * routedCommand serves exec and update for a container whose launcher sends them to Node
 * (Backend.launcherCommands.node): the container's backend runs them. It returns the exit status to report.
 */
export async function routedCommand(g: GlobalOptions, parsed: ParsedArgv): Promise<number> {
  const id = parsed.operands[0];
  if (!id) throw new MsbError('invalid-argument', `${parsed.command}: container id cannot be empty`);
  const paths = containerPaths(g.root, id);
  const record = readRecord(paths, id);
  const backend = backendOf(record);
  const c: RecordedContainer = { id, record, paths, runtime: runtimeContextOf(g) };
  if (parsed.command === 'update') return backend.update(c, parsed.flags);
  if (parsed.command === 'exec') return backend.exec(c, execRequestOf(parsed));
  throw new MsbError('internal', `${parsed.command} is not a command msb's Node half routes to a backend`);
}
