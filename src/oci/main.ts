import { parseRuntimeArgv, GLOBAL_FLAGS, NODE_COMMANDS, type ParsedArgv } from './argv.js';
import { MsbError, oneLine } from '../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions, logTargetOf } from './global-options.js';
import { appendLogLine } from '../base/log.js';
import type { CreateOptions } from './commands/create.js';
import { FALLBACK_ENV } from './create-helper/helper-paths.js';
import { asMsbError } from '../base/system-error.js';

/**
 * main is the Node half of shim/msb-runtime: one entry path (parse → global options → --log →
 * dispatch) for the commands that read or write a spec. The launcher runs every other command
 * without starting Node.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let global: GlobalOptions = defaultGlobalOptions();
  try {
    const parsed = parseRuntimeArgv(argv);
    global = parsed.global;
    return (await dispatch(parsed)) ?? 0;
  } catch (err) {
    return fail(global, asMsbError(err));
  }
}

/** createArguments is create's container id and flags from its parsed command line. */
export function createArguments(parsed: ParsedArgv): { id: string; options: CreateOptions } {
  if (parsed.operands.length > 1)
    throw new MsbError('invalid-argument', `create: unexpected arguments after the container id: ${parsed.operands.slice(1).join(' ')}`);
  const str = (name: string): string | undefined => (typeof parsed.flags[name] === 'string' ? (parsed.flags[name] as string) : undefined);
  return {
    id: operand(parsed, 'container id'),
    options: { bundle: str('bundle'), pidFile: str('pid-file'), consoleSocket: str('console-socket'), preserveFds: str('preserve-fds') },
  };
}

function operand(parsed: ParsedArgv, what: string): string {
  const value = parsed.operands[0];
  if (value === undefined) throw new MsbError('invalid-argument', `${parsed.command}: ${what} cannot be empty`);
  return value;
}

async function dispatch(parsed: ParsedArgv): Promise<number | undefined> {
  const { global, flags } = parsed;
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  switch (parsed.command) {
    case 'create': {
      const { create } = await import('./commands/create.js');
      const { id, options } = createArguments(parsed);
      const plan = create(global, id, options);
      if (process.env[FALLBACK_ENV] !== undefined) (await import('./create-helper/start-helper.js')).afterNodeCreate(plan.policy);
      return;
    }
    case 'restore': {
      const { restore } = await import('./commands/restore.js');
      if (parsed.operands.length > 1)
        throw new MsbError('invalid-argument', `restore: unexpected arguments after the container id: ${parsed.operands.slice(1).join(' ')}`);
      restore(global, operand(parsed, 'container id'), { bundle: str('bundle'), pidFile: str('pid-file'), consoleSocket: str('console-socket') }, flags);
      return;
    }
    case 'checkpoint':
      return (await import('./commands/checkpoint.js')).checkpoint(global, operand(parsed, 'container id'), flags);
    case 'features': {
      const { features } = await import('./features.js');
      const { readVersion } = await import('./version.js');
      process.stdout.write(`${JSON.stringify(features(readVersion()), null, 2)}\n`);
      return;
    }
    case 'dns-at-start':
      (await import('./commands/dns-at-start.js')).dnsAtStart(global, operand(parsed, 'container id'));
      return;
    case 'list':
      (await import('./commands/list.js')).list(global, { format: str('format'), quiet: flags.quiet === true });
      return;
    case 'ps': {
      const id = operand(parsed, 'container id');
      await (await import('./commands/ps.js')).ps(global, id, parsed.operands.slice(1), { format: str('format') });
      return;
    }
    case 'exec':
    case 'update': {
      const { routedCommand } = await import('./commands/routed.js');
      return routedCommand(global, parsed);
    }
    default:
      process.stdout.write(helpText());
  }
}

function helpText(): string {
  const lines = [
    'msb-runtime: a runc-compatible OCI runtime that runs containers in gVisor sandboxes or libkrun microVMs',
    '',
    'usage: msb-runtime [global flags] <command> [flags] <container-id>',
    '',
    'global flags:',
    ...GLOBAL_FLAGS.map((f) => `  --${f.name}${f.value ? ' <value>' : ''}\t${f.help}`),
    '',
    `commands run by Node: ${Object.keys(NODE_COMMANDS).join(', ')}`,
    "commands passed to the container's backend: start, state, kill, delete, exec, pause, resume, events, update, checkpoint",
    '--version prints runc-style version lines (docker info parses them)',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * EXIT_FAILURE is msb's exit status for every error, whatever its code, as runc's is: Docker and
 * containerd read only "non-zero" and the --log line, and `exec` passes the container process's
 * own status through (commands/routed.ts), which a status per code would be mistaken for. The
 * code goes in the --debug line instead (failureLine).
 */
export const EXIT_FAILURE = 1;

function fail(g: GlobalOptions, err: MsbError): number {
  process.stderr.write(`${failureLine(g, err)}\n`);
  return EXIT_FAILURE;
}

/**
 * failureLine appends err to --log (Docker's error contract) and returns the line for stderr.
 * With --debug a debug line before it names the error's code and cause, which the message leaves
 * out (Docker shows the message to the user).
 */
export function failureLine(g: GlobalOptions, err: MsbError): string {
  const msg = `msb: ${oneLine(err.message)}`;
  const target = logTargetOf(g);
  appendLogLine(target, 'debug', `msb: error code ${err.code}${causeText(err.cause)}`);
  appendLogLine(target, 'error', msg);
  return msg;
}

function causeText(cause: unknown): string {
  if (cause === undefined) return '';
  return `, cause ${oneLine(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause))}`;
}
