import { MsbError } from '../base/errors.js';

/** CheckpointCommand is runc's checkpoint or restore. */
export type CheckpointCommand = 'checkpoint' | 'restore';

/**
 * GvisorMapping is what msb does with one runc flag under gVisor: pass it to runsc (under
 * runsc's name), handle it itself (restore's --bundle, --pid-file, --console-socket go through
 * create's path), accept it as a no-op (runsc does that on its own, or it cannot change the
 * result), or refuse it (it asks for something runsc cannot do).
 */
type GvisorMapping = { kind: 'runsc'; flag: string } | { kind: 'msb'; why: string } | { kind: 'no-op'; why: string } | { kind: 'refused'; why: string };

/** CheckpointFlag is one of runc's checkpoint/restore flags and its gVisor mapping. */
export interface CheckpointFlag {
  name: string;
  aliases?: readonly string[];
  value: boolean;
  commands: readonly CheckpointCommand[];
  help: string;
  gvisor: GvisorMapping;
  /** For a flag with a value: values accepted as a no-op; any other value is refused with `gvisor.why`. */
  noOpValues?: readonly string[];
}

const BOTH: readonly CheckpointCommand[] = ['checkpoint', 'restore'];
const NO_CRIU = 'gVisor checkpoints the whole sandbox itself, without CRIU';

/**
 * CHECKPOINT_FLAGS are runc 1.1's checkpoint and restore flags (the ones containerd-shim-runc-v2
 * passes through go-runc's CheckpointOpts/RestoreOpts, and the rest of runc's), with what the
 * gVisor backend does with each. The argv table, the mapping, features and docs/checkpoint.md
 * all read this list.
 */
export const CHECKPOINT_FLAGS: readonly CheckpointFlag[] = [
  {
    name: 'image-path',
    value: true,
    commands: BOTH,
    help: 'checkpoint image directory (default ./checkpoint)',
    gvisor: { kind: 'runsc', flag: '--image-path' },
  },
  {
    name: 'leave-running',
    value: false,
    commands: ['checkpoint'],
    help: 'keep the container running after the checkpoint',
    gvisor: { kind: 'runsc', flag: '--leave-running' },
  },
  {
    name: 'detach',
    aliases: ['d'],
    value: false,
    commands: ['restore'],
    help: 'return once the restored container runs',
    gvisor: { kind: 'runsc', flag: '--detach' },
  },
  {
    name: 'bundle',
    aliases: ['b'],
    value: true,
    commands: ['restore'],
    help: 'bundle directory (default .)',
    gvisor: { kind: 'msb', why: 'restore reads and rewrites config.json as create does' },
  },
  {
    name: 'pid-file',
    value: true,
    commands: ['restore'],
    help: 'write the container pid here',
    gvisor: { kind: 'msb', why: 'passed to runsc restore; msb reads it for the DNS relay registration' },
  },
  {
    name: 'console-socket',
    value: true,
    commands: ['restore'],
    help: 'send the pty master to this AF_UNIX socket',
    gvisor: { kind: 'msb', why: 'passed to runsc restore, which gives the restored container a new console' },
  },
  {
    name: 'work-path',
    value: true,
    commands: BOTH,
    help: 'CRIU work directory (logs)',
    gvisor: { kind: 'no-op', why: `CRIU's directory for its logs and statistics; ${NO_CRIU} and writes neither (runsc ignores the flag too)` },
  },
  {
    name: 'parent-path',
    value: true,
    commands: BOTH,
    help: 'parent image of an incremental checkpoint',
    gvisor: { kind: 'no-op', why: 'runsc always writes a complete image: it restores without its parent, so the result is the same (only larger on disk)' },
  },
  {
    name: 'auto-dedup',
    value: false,
    commands: BOTH,
    help: 'deduplicate against the parent image',
    gvisor: { kind: 'no-op', why: 'there is no parent image to deduplicate against (runsc writes complete images)' },
  },
  {
    name: 'tcp-established',
    value: false,
    commands: BOTH,
    help: 'allow open TCP connections',
    gvisor: {
      kind: 'no-op',
      why: "TCP lives in the sandbox's own network stack, which runsc always saves and restores whole; CRIU needs the flag to touch host sockets",
    },
  },
  {
    name: 'ext-unix-sk',
    value: false,
    commands: BOTH,
    help: 'allow external Unix sockets',
    gvisor: {
      kind: 'no-op',
      why: 'Unix sockets inside the sandbox are saved with it; runsc has no switch for host sockets and fails the checkpoint with its own error when it cannot save one',
    },
  },
  {
    name: 'shell-job',
    value: false,
    commands: BOTH,
    help: 'allow a container with a terminal',
    gvisor: { kind: 'no-op', why: 'the terminal is emulated inside the sandbox and saved with it; restore attaches a new console through --console-socket' },
  },
  {
    name: 'file-locks',
    value: false,
    commands: BOTH,
    help: 'checkpoint file locks',
    gvisor: { kind: 'no-op', why: "file locks are held in the sandbox's kernel and always saved with it" },
  },
  {
    name: 'manage-cgroups-mode',
    value: true,
    commands: BOTH,
    help: 'cgroups mode: soft|full|strict|ignore',
    noOpValues: ['soft', 'ignore'],
    gvisor: {
      kind: 'refused',
      why: "runsc sets the sandbox's host cgroup from config.json on restore; it cannot save or restore cgroup properties (soft and ignore are accepted: that is what runsc does)",
    },
  },
  {
    name: 'empty-ns',
    value: true,
    commands: BOTH,
    help: 'create this namespace empty on restore',
    noOpValues: ['network'],
    gvisor: {
      kind: 'refused',
      why: 'runsc restores every namespace inside the sandbox; only network is accepted, because the sandbox joins the network namespace config.json names on restore anyway',
    },
  },
  {
    name: 'no-subreaper',
    value: false,
    commands: ['restore'],
    help: 'do not become a subreaper',
    gvisor: { kind: 'no-op', why: 'runsc restore --detach returns at once and the shim reaps the sandbox (runsc ignores the flag too)' },
  },
  {
    name: 'no-pivot',
    value: false,
    commands: ['restore'],
    help: 'do not use pivot_root',
    gvisor: { kind: 'no-op', why: 'the sandbox has its own root file system; create accepts it the same way' },
  },
  {
    name: 'pre-dump',
    value: false,
    commands: ['checkpoint'],
    help: 'dump memory only, for a later checkpoint',
    gvisor: { kind: 'refused', why: `runsc has no memory-only pre-dump (${NO_CRIU}); take a full checkpoint with --leave-running instead` },
  },
  {
    name: 'lazy-pages',
    value: false,
    commands: BOTH,
    help: 'restore memory lazily (userfaultfd)',
    gvisor: { kind: 'refused', why: 'runsc has no lazy restore: it reads the whole image before the container runs' },
  },
  {
    name: 'status-fd',
    value: true,
    commands: ['checkpoint'],
    help: 'report lazy-pages readiness on this fd',
    gvisor: { kind: 'refused', why: 'it reports CRIU lazy-pages readiness, and runsc has no lazy restore' },
  },
  {
    name: 'page-server',
    value: true,
    commands: ['checkpoint'],
    help: 'send memory pages to a CRIU page server',
    gvisor: { kind: 'refused', why: `a CRIU page server cannot receive a gVisor image (${NO_CRIU}); copy the image directory instead` },
  },
  {
    name: 'lsm-profile',
    value: true,
    commands: ['restore'],
    help: 'LSM profile for the restored container',
    gvisor: { kind: 'refused', why: 'gVisor sandboxes run without per-container AppArmor or SELinux labels (features: apparmor and selinux disabled)' },
  },
  {
    name: 'lsm-mount-context',
    value: true,
    commands: ['restore'],
    help: 'SELinux mount context for the restored container',
    gvisor: { kind: 'refused', why: 'gVisor sandboxes run without per-container AppArmor or SELinux labels (features: apparmor and selinux disabled)' },
  },
];

/** checkpointFlagsOf lists the flags of one command, for the argv table. */
export function checkpointFlagsOf(command: CheckpointCommand): CheckpointFlag[] {
  return CHECKPOINT_FLAGS.filter((f) => f.commands.includes(command));
}

/** RunscCheckpointArgs are runsc's checkpoint/restore flags for one call, and what msb accepted as no-ops (for the log). */
export interface RunscCheckpointArgs {
  args: string[];
  noOps: string[];
}

/** CheckpointFlagValues are parsed flags, by runc name (what src/oci/argv.ts produces). */
export type CheckpointFlagValues = Readonly<Record<string, string | boolean | undefined>>;

/**
 * runscCheckpointArgs maps runc's checkpoint or restore flags onto runsc's: the flags runsc
 * shares are passed, no-ops are left out (and named for the log), a refused flag fails with
 * its reason. The flags msb handles itself (restore's --bundle, --pid-file, --console-socket)
 * are left to the caller. --image-path defaults to ./checkpoint, as runc's does.
 */
export function runscCheckpointArgs(command: CheckpointCommand, flags: CheckpointFlagValues, cwd = process.cwd()): RunscCheckpointArgs {
  const args: string[] = [];
  const noOps: string[] = [];
  for (const f of checkpointFlagsOf(command)) {
    const v = flags[f.name];
    if (v === undefined || v === false || v === '') continue;
    const m = f.gvisor;
    if (m.kind === 'msb') continue;
    if (m.kind === 'runsc') {
      args.push(...(f.value ? [m.flag, String(v)] : [m.flag]));
    } else if (m.kind === 'no-op' || (typeof v === 'string' && f.noOpValues?.includes(v))) {
      noOps.push(f.value ? `--${f.name} ${String(v)}` : `--${f.name}`);
    } else {
      throw new MsbError('unsupported', `gvisor: ${command} --${f.name}${f.value ? ` ${String(v)}` : ''} is not supported: ${m.why}`);
    }
  }
  if (flags['image-path'] === undefined || flags['image-path'] === '') args.unshift('--image-path', `${cwd}/checkpoint`);
  return { args, noOps };
}
