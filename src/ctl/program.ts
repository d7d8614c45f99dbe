import { Command, CommanderError, Option } from 'commander';
import { MsbError, oneLine, toMsbError } from '../base/errors.js';
import { BACKUP_SUFFIX } from './daemon-json-file.js';
import { defaultRuntimePath } from './runtime-path.js';
import { doctor, type DoctorCommandOptions } from './commands/doctor.js';
import { install, type InstallOptions } from './commands/install.js';
import { DOCKER_RUNTIME_ROOT, sockets, type SocketsOptions } from './commands/sockets.js';
import { uninstall, type UninstallOptions } from './commands/uninstall.js';
import { harden, type HardenOptions } from './commands/harden.js';
import { fleetAudit, type FleetAuditOptions } from './commands/fleet-audit.js';
import { fleetMigrate, type FleetMigrateOptions } from './commands/fleet-migrate.js';
import { translate, type TranslateOptions } from './commands/translate.js';
import { dnsServe, dnsStatus, type DnsStatusOptions } from './commands/dns.js';
import { egressStatusCommand, type EgressStatusOptions } from './commands/egress.js';
import { egressLogCommand, type EgressLogOptions } from './commands/egress-log.js';

/** CtlActions are the command bodies the parser dispatches to; tests pass recording fakes. */
export interface CtlActions {
  install: (options: InstallOptions) => void;
  uninstall: (options: UninstallOptions) => void;
  sockets: (options: SocketsOptions) => Promise<void>;
  /** doctor returns its own exit status: the worst finding (0 ok, 1 warn, 2 fail). */
  doctor: (options: DoctorCommandOptions) => Promise<number>;
  harden: (options: HardenOptions) => void;
  fleetAudit: (options: FleetAuditOptions) => Promise<void>;
  fleetMigrate: (options: FleetMigrateOptions) => Promise<void>;
  translate: (options: TranslateOptions) => void;
  dnsServe: () => Promise<void>;
  dnsStatus: (options: DnsStatusOptions) => Promise<void>;
  egressStatus: (options: EgressStatusOptions) => void;
  egressLog: (options: EgressLogOptions) => Promise<void>;
}

/** CtlOutput is where help text and the one-line error go. */
export interface CtlOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** DEFAULT_CONFIG is the daemon.json dockerd reads when started without --config-file. */
const DEFAULT_CONFIG = '/etc/docker/daemon.json';

/**
 * runMsbctl is msbctl's one entry path: parse the arguments, run the command, and turn any failure
 * into one `msbctl: <message>` line on stderr and exit status 1.
 */
export async function runMsbctl(
  argv: readonly string[],
  actions: CtlActions = {
    install,
    uninstall,
    sockets: (o) => sockets(o),
    doctor: (o) => doctor(o),
    harden: (o) => harden(o),
    fleetAudit: (o) => fleetAudit(o),
    fleetMigrate: (o) => fleetMigrate(o),
    translate,
    dnsServe,
    dnsStatus,
    egressStatus: (o) => egressStatusCommand(o),
    egressLog: (o) => egressLogCommand(o),
  },
  output: CtlOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  let status = 0;
  const program = buildProgram({ ...actions, doctor: async (o) => (status = await actions.doctor(o)) }, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (err) {
    // Commander has already printed help; its "errors" for --help and a bare `msbctl` carry their own status.
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version'))
      return err.exitCode;
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
function buildProgram(actions: CtlActions, output: CtlOutput): Command {
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
    .option('--path <path>', "runtime executable, made absolute against the current directory (default: this checkout's shim/msb-runtime)")
    .addOption(
      new Option('--runtime-arg <arg>', 'argument dockerd passes to the runtime first (repeatable), e.g. --isolation=gvisor')
        .argParser(collect)
        .default([], 'none'),
    )
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

  program
    .command('doctor')
    .summary('check every prerequisite of msb on this host, each with a status and the fix')
    .description(
      "check the Docker engine, msb's runtime names, runsc, the rmem_default quirk, the gVisor platform, KVM, " +
        'microsandbox, tini, runc, cgroups and the DNS relay, then runs two throw-away containers to prove service\n' +
        'discovery under msb end to end (docs/doctor.md).\n' +
        'Exit status: 0 when nothing is wrong, 1 when the worst finding is a warning, 2 when something fails.',
    )
    .option('--json', 'print the report as JSON (schema in docs/doctor.md)')
    .option('-v, --verbose', 'also print what each check looked at')
    .option('--config <file>', 'daemon.json to read', DEFAULT_CONFIG)
    .option('--policy <file>', 'policy file to check (default: $MSB_POLICY, else /etc/msb/policy.json)')
    .option(
      '--runtime <name>',
      'runtime name the service-discovery check runs its container under (default: msb, else the first name that points at msb-runtime)',
    )
    .action(async (opts: Record<string, unknown>) => {
      await actions.doctor({
        json: opts.json === true,
        verbose: opts.verbose === true,
        config: stringOption(opts, 'config'),
        ...(typeof opts.policy === 'string' ? { policy: opts.policy } : {}),
        ...(typeof opts.runtime === 'string' ? { runtime: opts.runtime } : {}),
      });
    });

  // msbctl harden: compose files → runtime: msb on every service (docs/fleet.md).
  program
    .command('harden')
    .summary('set runtime: msb on every service of compose files, keeping their formatting')
    .description(
      'add `runtime: <runtime>` to every service of the compose files, editing only those lines (comments, order and ' +
        'formatting stay). Services with another runtime change only with --force; settings a sandbox cannot honour ' +
        '(network_mode: host, privileged, pid/ipc: host) are refused with the reason, and then nothing is written. ' +
        '--check writes nothing and fails when any service would run unsandboxed.',
    )
    .argument('<file...>', 'compose files (docker-compose.yml, …)')
    .option('--runtime <name>', 'runtime name to set', 'msb')
    .option('--isolation <name>', 'also set annotation io.msb.isolation (gvisor, krun); docker-compose 1.x rejects annotations:')
    .option('--egress <profile>', 'also set annotation io.msb.egress, a profile the policy defines (docs/egress.md); needs Docker ≥ 24')
    .option('--policy <file>', 'the policy that defines the egress profiles (default $MSB_POLICY, else /etc/msb/policy.json)')
    .option('--force', 'replace a different runtime (or isolation, or egress profile) a service already sets')
    .addOption(new Option('--exclude <service>', 'leave this service as it is (repeatable)').argParser(collect).default([], 'none'))
    .option('--check', 'change nothing; exit 1 when any service is not hardened (for CI)')
    .option('--dry-run', 'print what would change and the diff; write nothing')
    .option('--diff', 'print only the unified diff; write nothing')
    .action((files: string[], opts: Record<string, unknown>) =>
      actions.harden({
        files,
        runtime: stringOption(opts, 'runtime'),
        ...(typeof opts.isolation === 'string' ? { isolation: opts.isolation } : {}),
        ...(typeof opts.egress === 'string' ? { egress: opts.egress } : {}),
        ...(typeof opts.policy === 'string' ? { policy: opts.policy } : {}),
        force: opts.force === true,
        exclude: opts.exclude as string[],
        check: opts.check === true,
        dryRun: opts.dryRun === true,
        diff: opts.diff === true,
      }),
    );

  // msbctl fleet audit|migrate: running containers outside msb, and moving them in (docs/fleet.md).
  const fleet = program.command('fleet').summary('audit running containers and move them under msb');
  fleet
    .command('audit')
    .summary('list running containers with their runtime and sandbox')
    .description('list running containers with the runtime each uses (the engine default when it names none) and, under msb, its sandbox')
    .option('--json', 'print a JSON array of {id, name, image, runtime, defaultRuntime, sandboxed, sandbox}')
    .option('--check', 'exit 1 when any running container is outside msb')
    .option('--root <dir>', "the runtime root where msb keeps its records (Docker's by default)", DOCKER_RUNTIME_ROOT)
    .action((opts: Record<string, unknown>) => actions.fleetAudit({ json: opts.json === true, check: opts.check === true, root: stringOption(opts, 'root') }));
  fleet
    .command('migrate')
    .summary('recreate running containers under msb with the same configuration')
    .description(
      'recreate each named running container under the msb runtime with the same configuration (image, command, ' +
        'env, mounts and volumes, networks with aliases and addresses, ports, restart policy, labels, limits…). ' +
        'Containers msb cannot reproduce faithfully are refused with the reason, and then nothing changes.\n' +
        'Order: create <name>-msb-new, stop the old, rename it <name>-pre-msb, rename the new, start it, check it ' +
        'keeps running, remove the old (volumes stay). Any failure rolls back and restarts the old container.',
    )
    .argument('<name...>', 'container names or ids')
    .option('--runtime <name>', 'the msb runtime name to move them to', 'msb')
    .option('--dry-run', 'print the plan; change nothing')
    .option('--keep-old', 'keep the old container, stopped, as <name>-pre-msb (restart policy "no")')
    .action((names: string[], opts: Record<string, unknown>) =>
      actions.fleetMigrate({ names, runtime: stringOption(opts, 'runtime'), dryRun: opts.dryRun === true, keepOld: opts.keepOld === true }),
    );

  // msbctl translate: the backend decision, rewritten config.json and microVM config for a bundle (krun.md).
  program
    .command('translate')
    .summary("print create's decision for a bundle without running anything")
    .description(
      'print, as JSON, the backend msb would choose for a bundle and why, the rewritten config.json,\nand for krun the microVM configuration (the host check is reported, not enforced)',
    )
    .requiredOption('--bundle <dir>', 'OCI bundle directory (holding config.json)')
    .option('--id <id>', 'container id to translate as', 'msbctl-translate')
    .option('--policy <file>', 'operator policy (default $MSB_POLICY, else /etc/msb/policy.json)')
    .option('--isolation <name>', 'as the runtime argument --isolation of a runtime alias')
    .option('--egress <profile>', 'as the runtime argument --egress of a runtime alias (docs/egress.md)')
    .action((opts: Record<string, unknown>) =>
      actions.translate({
        bundle: stringOption(opts, 'bundle'),
        id: stringOption(opts, 'id'),
        ...(typeof opts.policy === 'string' ? { policy: opts.policy } : {}),
        ...(typeof opts.isolation === 'string' ? { isolation: opts.isolation } : {}),
        ...(typeof opts.egress === 'string' ? { egress: opts.egress } : {}),
      }),
    );

  // msbctl dns: the DNS relay that keeps Docker's names resolving under gVisor (docs/dns.md).
  const dns = program.command('dns').summary('the DNS relay for gVisor containers (serve, status)');
  dns
    .command('serve')
    .summary('run the DNS relay in the foreground (as a service: configs/msb-dns.service)')
    .action(() => actions.dnsServe());
  dns
    .command('status')
    .summary('show what the DNS relay serves, per network and container')
    .option('--json', "print the relay's status as JSON")
    .action((opts: Record<string, unknown>) => actions.dnsStatus({ json: opts.json === true }));

  // msbctl egress: what the host enforces for gVisor containers' egress profiles (docs/egress.md).
  const egress = program.command('egress').summary('egress profiles enforced on the host (status, log)');
  egress
    .command('status')
    .summary('per container: its profile, interfaces, dropped packets and the addresses the DNS relay learned')
    .argument('[container]', 'container id or id prefix (default: every container with an enforced profile)')
    .option('--root <dir>', "the runtime root msb was given (Docker's by default)", DOCKER_RUNTIME_ROOT)
    .option('--json', 'print the status as JSON')
    .action((container: string | undefined, opts: Record<string, unknown>) =>
      actions.egressStatus({ ...(container !== undefined ? { container } : {}), root: stringOption(opts, 'root'), json: opts.json === true }),
    );
  egress
    .command('log')
    .summary('what egress profiles refused: lookups (container, name, why) and connections (container, destination)')
    .description(
      'print the lookups the DNS relay refused under egress profiles (its log in the state directory, rotated at 1 MiB) and ' +
        "the packets the host dropped (the kernel's log lines of msb's refusing rules, at most 10 a second per rule and " +
        'container), oldest first',
    )
    .argument('[container]', 'container id, id prefix or Docker name (default: every container)')
    .option('--since <time>', 'only refusals since a duration ago (90s, 10m, 2h, 1d) or a date (ISO 8601)')
    .option('--json', 'print one JSON object per refusal and line')
    .option('--follow', 'keep printing new refusals until interrupted')
    .option('--state-dir <dir>', "the DNS relay's state directory", '/run/msb-dns')
    .action((container: string | undefined, opts: Record<string, unknown>) =>
      actions.egressLog({
        ...(container !== undefined ? { container } : {}),
        ...(typeof opts.since === 'string' ? { since: opts.since } : {}),
        json: opts.json === true,
        follow: opts.follow === true,
        stateDir: stringOption(opts, 'stateDir'),
      }),
    );

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
