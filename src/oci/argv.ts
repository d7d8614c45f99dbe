import { UPDATE_FLAGS } from '../isolation/cgroups/update-flags.js';
import { checkpointFlagsOf } from '../isolation/checkpoint-flags.js';
import { MsbError } from '../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from './global-options.js';

/** FlagSpec is one runc-style flag: --name, optional aliases, with or without a value. */
export interface FlagSpec {
  name: string;
  aliases?: readonly string[];
  value: boolean;
  help: string;
}

/** GLOBAL_FLAGS are runc's global flags plus msb's --isolation, --policy and --egress. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'root', value: true, help: 'state root (default /run/msb)' },
  { name: 'log', value: true, help: 'append log lines to this file' },
  { name: 'log-format', value: true, help: 'json or text' },
  { name: 'debug', value: false, help: 'debug logging' },
  { name: 'systemd-cgroup', value: false, help: 'accepted for runc compatibility' },
  { name: 'rootless', value: true, help: 'accepted for runc compatibility' },
  { name: 'criu', value: true, help: 'accepted for runc compatibility' },
  { name: 'isolation', value: true, help: 'sandbox for this runtime name (daemon.json runtimeArgs)' },
  { name: 'policy', value: true, help: 'operator policy file (default /etc/msb/policy.json)' },
  { name: 'egress', value: true, help: 'egress profile for this runtime name (daemon.json runtimeArgs; docs/egress.md)' },
];

/** NODE_COMMANDS are the commands the Node half implements, with their flags. */
export const NODE_COMMANDS: Readonly<Record<string, { help: string; flags: readonly FlagSpec[]; argsAfterId?: boolean }>> = {
  create: {
    help: 'create <id>: create a container from --bundle',
    flags: [
      { name: 'bundle', aliases: ['b'], value: true, help: 'bundle directory (default .)' },
      { name: 'pid-file', value: true, help: 'write the container pid here' },
      { name: 'console-socket', value: true, help: 'send the pty master to this AF_UNIX socket' },
      { name: 'no-pivot', value: false, help: 'accepted for runc compatibility' },
      { name: 'no-new-keyring', value: false, help: 'accepted for runc compatibility' },
      { name: 'preserve-fds', value: true, help: 'pass N extra descriptors' },
    ],
  },
  // restore creates the container (containerd calls it in place of create and start), so it
  // always reaches Node; checkpoint arrives through the container's launcher.
  restore: { help: 'restore <id>: create and start a container from a checkpoint image (--image-path)', flags: checkpointFlagsOf('restore') },
  checkpoint: { help: 'checkpoint <id>: save a running container to --image-path', flags: checkpointFlagsOf('checkpoint') },
  features: { help: 'features: print the OCI features document', flags: [] },
  'dns-at-start': {
    help: 'dns-at-start <id>: finish the resolv.conf and DNS relay registration of a container whose network Docker set up after create (run by shim/msb-runtime before start)',
    flags: [],
  },
  list: {
    help: 'list: list containers',
    flags: [
      { name: 'format', aliases: ['f'], value: true, help: 'table or json' },
      { name: 'quiet', aliases: ['q'], value: false, help: 'ids only' },
    ],
  },
  ps: {
    help: "ps <id> [ps args]: list a container's processes",
    argsAfterId: true,
    flags: [{ name: 'format', aliases: ['f'], value: true, help: 'table or json' }],
  },
  help: { help: 'help: this text', flags: [] },
  // exec and update reach Node only for backends whose launcher routes them here (krun: the
  // command must run in the guest, the resize must reach it); the others exec their backend.
  exec: {
    help: 'exec <id> [args]: run a process in the container (krun: in the microVM)',
    argsAfterId: true,
    flags: [
      { name: 'process', aliases: ['p'], value: true, help: 'process.json' },
      { name: 'detach', aliases: ['d'], value: false, help: 'do not wait' },
      { name: 'pid-file', value: true, help: 'write the process pid here' },
      { name: 'console-socket', value: true, help: 'send the pty master here' },
      { name: 'tty', aliases: ['t'], value: false, help: 'allocate a pty' },
      { name: 'cwd', value: true, help: 'working directory' },
      { name: 'env', aliases: ['e'], value: true, help: 'KEY=VALUE' },
      { name: 'user', aliases: ['u'], value: true, help: 'uid[:gid]' },
      { name: 'additional-gids', aliases: ['g'], value: true, help: 'accepted for runc compatibility' },
      { name: 'cap', aliases: ['c'], value: true, help: 'accepted for runc compatibility' },
      { name: 'apparmor', value: true, help: 'accepted for runc compatibility' },
      { name: 'process-label', value: true, help: 'accepted for runc compatibility' },
      { name: 'no-new-privs', value: false, help: 'accepted for runc compatibility' },
      { name: 'preserve-fds', value: true, help: 'accepted for runc compatibility' },
      { name: 'cgroup', value: true, help: 'accepted for runc compatibility' },
      { name: 'ignore-paused', value: false, help: 'accepted for runc compatibility' },
    ],
  },
  update: {
    help: "update <id>: change a running container's resources (krun: resizes the microVM; gVisor: writes the sandbox's cgroup)",
    flags: [{ name: 'resources', aliases: ['r'], value: true, help: 'resources JSON file, - for stdin' }, ...UPDATE_FLAGS.map((f) => ({ ...f, value: true }))],
  },
};

/** HELP_FLAGS name the help command where a command goes (runc's -h and --help). */
export const HELP_FLAGS: readonly string[] = ['-h', '--help'];

/**
 * DIRECT_NODE_COMMANDS are the commands shim/msb-runtime hands to Node as they are, without a
 * container's launcher (create too, through the create helper first: docs/create-helper.md).
 * dns-at-start is the launcher's own call; every other command is in CONTAINER_COMMANDS.
 */
export const DIRECT_NODE_COMMANDS: readonly string[] = ['restore', 'features', 'list', 'ps', 'help'];

/**
 * CONTAINER_COMMANDS are the commands shim/msb-runtime sends to the launcher create recorded for
 * the container (its backend, or Node for those the backend routes here), with runc's flags for
 * each. The launcher reads them only to find the container id (the first operand) and delete's
 * --force; the backend parses the command line itself. shim/msb-runtime's tables are generated
 * from this (src/oci/launcher-tables.ts).
 */
export const CONTAINER_COMMANDS: Readonly<Record<string, readonly FlagSpec[]>> = {
  start: [],
  state: [],
  kill: [{ name: 'all', aliases: ['a'], value: false, help: 'signal every process of the container' }],
  delete: [{ name: 'force', aliases: ['f'], value: false, help: 'stop whatever runs for the container first' }],
  exec: NODE_COMMANDS.exec?.flags ?? [],
  pause: [],
  resume: [],
  events: [
    { name: 'interval', value: true, help: 'stats interval' },
    { name: 'stats', value: false, help: "print the container's stats once" },
  ],
  update: NODE_COMMANDS.update?.flags ?? [],
  checkpoint: NODE_COMMANDS.checkpoint?.flags ?? [],
};

/** ParsedArgv is a runtime command line: global options, command, its flags and operands. */
export interface ParsedArgv {
  global: GlobalOptions;
  command: string;
  flags: Record<string, string | boolean>;
  operands: string[];
}

function matchFlag(arg: string, specs: readonly FlagSpec[]): { spec: FlagSpec; inline?: string } | undefined {
  const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
  if (!m?.[1]) return undefined;
  const spec = specs.find((s) => s.name === m[1] || s.aliases?.includes(m[1] as string));
  return spec ? { spec, inline: m[2] } : undefined;
}

/** OperandRule says what an operand ends: 'command' (global flags), 'flags' (ps), or nothing. */
type OperandRule = 'command' | 'flags' | 'none';

/**
 * takeFlags reads flags from argv[start] on. Global flags end at the command (or at -h/--help,
 * which name the help command). Like runc's urfave/cli, command flags may follow the container
 * id, except for ps (SkipArgReorder in runc's ps.go), whose arguments after the id are ps's own.
 */
function takeFlags(
  argv: readonly string[],
  start: number,
  specs: readonly FlagSpec[],
  rule: OperandRule,
  out: Record<string, string | boolean>,
  operands: string[],
): number {
  const stopAtOperand = rule === 'command';
  let i = start;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      return argv.length;
    }
    if (!arg.startsWith('-') || arg === '-' || (stopAtOperand && HELP_FLAGS.includes(arg))) {
      if (stopAtOperand) return i;
      if (rule === 'flags') {
        operands.push(...argv.slice(i));
        return argv.length;
      }
      operands.push(arg);
      i += 1;
      continue;
    }
    const hit = matchFlag(arg, specs);
    if (!hit) throw new MsbError('invalid-argument', `flag provided but not defined: ${arg}`);
    if (!hit.spec.value) {
      out[hit.spec.name] = hit.inline === undefined ? true : hit.inline !== 'false';
      i += 1;
    } else if (hit.inline !== undefined) {
      out[hit.spec.name] = hit.inline;
      i += 1;
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new MsbError('invalid-argument', `flag needs an argument: ${arg}`);
      out[hit.spec.name] = value;
      i += 2;
    }
  }
  return i;
}

/**
 * parseRuntimeArgv parses msb-runtime's command line. It is a fixed table rather than a CLI
 * framework because create is on the path of every container start and commander alone costs
 * ~20 ms to load here (docs/benchmarks.md).
 */
export function parseRuntimeArgv(argv: readonly string[]): ParsedArgv {
  const g: Record<string, string | boolean> = {};
  const globalOperands: string[] = [];
  const next = takeFlags(argv, 0, GLOBAL_FLAGS, 'command', g, globalOperands);
  const global = defaultGlobalOptions();
  if (typeof g.root === 'string') global.root = g.root;
  if (typeof g.log === 'string') global.log = g.log;
  if (g['log-format'] !== undefined) {
    if (g['log-format'] !== 'json' && g['log-format'] !== 'text')
      throw new MsbError('invalid-argument', `invalid --log-format ${String(g['log-format'])} (json or text)`);
    global.logFormat = g['log-format'];
  }
  global.debug = g.debug === true;
  global.systemdCgroup = g['systemd-cgroup'] === true;
  if (typeof g.rootless === 'string') global.rootless = g.rootless;
  if (typeof g.criu === 'string') global.criu = g.criu;
  if (typeof g.isolation === 'string') global.isolation = g.isolation;
  if (typeof g.policy === 'string') global.policy = g.policy;
  if (typeof g.egress === 'string') global.egress = g.egress;

  const command = argv[next] ?? 'help';
  const spec = NODE_COMMANDS[HELP_FLAGS.includes(command) ? 'help' : command];
  if (!spec) throw new MsbError('invalid-argument', `unknown command ${JSON.stringify(command)}`);
  const flags: Record<string, string | boolean> = {};
  const operands: string[] = [];
  takeFlags(argv, next + 1, spec.flags, spec.argsAfterId ? 'flags' : 'none', flags, operands);
  return { global, command: command.startsWith('-') ? 'help' : command, flags, operands };
}
