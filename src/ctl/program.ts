import { Command, CommanderError, Option } from 'commander';
import { MsbError, oneLine, toMsbError } from '../oci/errors.js';
import { BACKUP_SUFFIX } from './daemon-json-file.js';
import { defaultRuntimePath } from './runtime-path.js';
import { install, type InstallOptions } from './commands/install.js';
import { DOCKER_RUNTIME_ROOT, sockets, type SocketsOptions } from './commands/sockets.js';
import { uninstall, type UninstallOptions } from './commands/uninstall.js';
import { dnsServe, dnsStatus, type DnsStatusOptions } from './commands/dns.js';

/** CtlActions are the command bodies the parser dispatches to; tests pass recording fakes. */
export interface CtlActions {
  install: (options: InstallOptions) => void;
  uninstall: (options: UninstallOptions) => void;
  sockets: (options: SocketsOptions) => Promise<void>;
  /** msbctl dns serve / status (docs/dns.md); optional so callers may leave them out. */
  dnsServe?: () => Promise<void>;
  dnsStatus?: (options: DnsStatusOptions) => Promise<void>;
}

/** CtlOutput is where help text and the one-line error go. */
export interface CtlOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** DEFAULT_CONFIG is the daemon.json dockerd reads when started without --config-file. */
export const DEFAULT_CONFIG = '/etc/docker/daemon.json';

/**
 * runMsbctl is msbctl's one entry path: parse the arguments, run the command, and turn any failure
 * into one `msbctl: <message>` line on stderr and exit status 1.
 */
export async function runMsbctl(
  argv: readonly string[],
  actions: CtlActions = { install, uninstall, sockets: (o) => sockets(o) },
  output: CtlOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  const program = buildProgram(actions, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed help; its "errors" for --help and a bare `msbctl` carry their own status.
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version')) return err.exitCode;
    const message = err instanceof CommanderError ? err.message.replace(/^error: /, '') : toMsbError(err).message;
    output.err(`msbctl: ${oneLine(message)}\n`);
    return 1;
  }
}

/** withEditOptions adds the flags every daemon.json edit shares. */
function withEditOptions(command: Command): Command {
  return command
    .option('--config <file>', 'daemon.json to edit', DEFAULT_CONFIG)
    .option('--dry-run', 'print the resulting daemon.json and what would change; write nothing, signal nothing')
    .option('--no-reload', 'write daemon.json but do not signal dockerd');
}

/** buildProgram defines msbctl's commands and flags and maps them onto the typed command options. */
export function buildProgram(actions: CtlActions, output: CtlOutput): Command {
  const program = new Command('msbctl')
    .description('msbctl: operator CLI for msb, the Docker runtime that runs containers under gVisor')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: () => undefined });

  const install = program
    .command('install')
    .summary('register msb as a Docker runtime in daemon.json')
    .description(
      'register msb as a Docker runtime in daemon.json and reload dockerd (SIGHUP).\n' +
        `Before writing, the old file is copied to <config>${BACKUP_SUFFIX} (overwritten on every change).`,
    )
    .option('--name <name>', 'runtime name for `docker run --runtime=NAME`', 'msb')
    .option('--path <path>', 'runtime executable, made absolute against the current directory (default: this checkout\'s shim/msb-runtime)')
    .addOption(new Option('--runtime-arg <arg>', 'argument dockerd passes to the runtime first (repeatable), e.g. --isolation=gvisor').argParser(collect).default([], 'none'))
    .option('--default', 'also make it Docker\'s "default-runtime"');
  withEditOptions(install).action((opts: Record<string, unknown>) =>
      actions.install({
        ...editOptions(opts),
        name: stringOption(opts, 'name'),
        path: typeof opts.path === 'string' ? opts.path : defaultRuntimePath(),
        runtimeArgs: opts.runtimeArg as string[],
        makeDefault: opts.default === true,
      }),
    );

  const uninstall = program
    .command('uninstall')
    .summary('remove a runtime from daemon.json')
    .description(
      'remove a runtime from daemon.json (pointing "default-runtime" back at runc if it names it) and reload dockerd.\n' +
        `Before writing, the old file is copied to <config>${BACKUP_SUFFIX} (overwritten on every change).`,
    )
    .option('--name <name>', 'runtime name to remove', 'msb');
  withEditOptions(uninstall).action((opts: Record<string, unknown>) => actions.uninstall({ ...editOptions(opts), name: stringOption(opts, 'name') }));

  program
    .command('sockets')
    .summary("list a container's control sockets and their host paths")
    .description(
      'print the control sockets a container declared (annotation io.msb.control-socket), one per line:\n' +
        'the path inside the container, a tab, and the host path a client connects to.',
    )
    .argument('<container>', 'container id, id prefix or Docker name')
    .option('--root <dir>', "the runtime root msb was given (Docker's by default)", DOCKER_RUNTIME_ROOT)
    .option('--json', 'print {"id", "controlSockets": [{"path", "hostPath"}]}')
    .action((container: string, opts: Record<string, unknown>) => actions.sockets({ container, root: stringOption(opts, 'root'), json: opts.json === true }));

  // msbctl dns: the DNS relay that keeps Docker's names resolving under gVisor (docs/dns.md).
  const dns = program.command('dns').summary('the DNS relay for gVisor containers (serve, status)');
  dns
    .command('serve')
    .summary('run the DNS relay in the foreground (as a service: configs/msb-dns.service)')
    .action(() => (actions.dnsServe ?? dnsServe)());
  dns
    .command('status')
    .summary('show what the DNS relay serves, per network and container')
    .option('--json', 'print the relay\'s status as JSON')
    .action((opts: Record<string, unknown>) => (actions.dnsStatus ?? dnsStatus)({ json: opts.json === true }));

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function editOptions(opts: Record<string, unknown>): { config: string; dryRun: boolean; reload: boolean } {
  return { config: stringOption(opts, 'config'), dryRun: opts.dryRun === true, reload: opts.reload !== false };
}

function stringOption(opts: Record<string, unknown>, key: string): string {
  const value = opts[key];
  if (typeof value !== 'string') throw new MsbError('internal', `option ${key} has no value`);
  return value;
}
