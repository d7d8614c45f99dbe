import type { ContainerPaths } from '../base/paths.js';
import type { LogTarget } from '../base/log.js';
import type { Spec } from '../base/spec.js';
import type { CheckpointCommand, CheckpointFlagValues, RunscCheckpointArgs } from './checkpoint-flags.js';
import type { EgressProfile } from '../egress/profiles.js';
import type { ControlSocket } from './control-sockets.js';
import type { ContainerRecord } from '../base/record.js';
import type { Policy } from './policy.js';
import type { RuncCreateCommand } from './runc-create.js';

/** CreateRequest is runc's create command as msb received it. */
export interface CreateRequest {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds: number;
}

/**
 * RuntimeContext is what a backend needs of the runtime invocation (not the CLI's options): the
 * state root, the cgroup mode and where log lines go.
 */
export interface RuntimeContext {
  /** The runtime's --root (Docker: /var/run/docker/runtime-runc/moby); msb's state is under it. */
  root: string;
  systemdCgroup: boolean;
  log: LogTarget;
  /** --log, --log-format and --debug as a backend that speaks runc's flags takes them. */
  logArgs: readonly string[];
}

/** BackendContext is what a backend needs to prepare one container. */
export interface BackendContext {
  id: string;
  bundle: string;
  spec: Spec;
  policy: Policy;
  /** The container's egress profile (selectEgress); the backend enforces it or refuses it. */
  egress: EgressProfile;
  runtime: RuntimeContext;
  paths: ContainerPaths;
  /** create's --preserve-fds: extra descriptors the container should inherit. */
  preserveFds: number;
  /** True when the container is made by `restore` (from a checkpoint) rather than `create`. */
  restoring?: boolean;
  debug: (msg: string) => void;
}

/** BackendSummary is a backend's record of one container (record.backendSummary): plain JSON, each backend's own shape. */
type BackendSummary = Record<string, unknown>;

/** PreparedContainer is a backend's plan for one container, made before anything is created. */
export interface PreparedContainer<S extends BackendSummary = BackendSummary> {
  /** The spec to write to the bundle (the same object when nothing changed). */
  spec: Spec;
  /** Writes the backend's files under the record directory, before the backend runs. */
  writeFiles(): void;
  /**
   * Runs once the backend's create (or restore) of `request` succeeded (its create-time hooks have
   * run); it gets the request the backend ran, so it needs nothing the create left behind. Where
   * Docker sets the network up only after create (Docker 28+), it records what start must finish.
   */
  afterCreate(request: CreateRequest): void;
  /**
   * The sh fragment shim/msb-runtime sources for every later command of this container: the
   * backend's implementation of the commands Backend.launcherCommands.sh lists (start, kill,
   * delete …), and its routing of those in Backend.launcherCommands.node to msb's Node half.
   */
  launcher: string;
  /** Sockets the container creates for the host (io.msb.control-socket); the record lists them for msbctl. */
  controlSockets: ControlSocket[];
  /** What the record remembers about the backend (record.backendSummary): read back by Backend.summaryOf for its later commands, and by list, doctor and humans. */
  summary: S;
  /** Runs the backend's create with msb's own stdio; returns the exit status. */
  create(request: CreateRequest): number;
  /**
   * Where the backend's create is exactly one runc-style command: runs what precedes it and
   * returns the command, for a caller that runs it itself (the create helper's client,
   * src/oci/create-helper/). create(request) is then beginCreate plus running the command.
   */
  beginCreate?(request: CreateRequest): RuncCreateCommand;
  /**
   * Runs the backend's restore from a checkpoint image in place of create (runc restore: the
   * container is created and started; `args` are the backend's own restore flags, from
   * Checkpointing.mapFlags). Absent when the backend cannot restore.
   */
  restore?(request: CreateRequest, args: readonly string[]): number;
  /**
   * Removes whatever the backend may have made for this id (host directories included); used after
   * a failed create. Returns false if something it started may still run: create then keeps the
   * record's cleanup.sh, so Docker's delete --force (and the next create's orphan sweep) finish it.
   */
  destroy(id: string): boolean;
}

/** CheckpointRequest is runc's checkpoint command for one recorded container. */
export interface CheckpointRequest {
  id: string;
  record: ContainerRecord;
  /** The container's launcher (its backend command line), under the record directory. */
  launcher: string;
  runtime: RuntimeContext;
  /** The backend's checkpoint flags, from Checkpointing.mapFlags. */
  args: readonly string[];
}

/** Checkpointing says how a backend checkpoints and restores containers, or why it cannot. */
export type Checkpointing =
  | { supported: false; why: string }
  | {
      supported: true;
      /** Maps runc's checkpoint/restore flags onto the backend's; throws an MsbError naming a refused flag and why. */
      mapFlags(command: CheckpointCommand, flags: CheckpointFlagValues): RunscCheckpointArgs;
      /** Runs the backend's checkpoint with msb's stdio; returns the exit status. */
      checkpoint(req: CheckpointRequest): Promise<number>;
    };

/** RecordedContainer is a container msb created, as a later command finds it: its record and files, and this invocation's context. */
export interface RecordedContainer {
  id: string;
  record: ContainerRecord;
  paths: ContainerPaths;
  runtime: RuntimeContext;
}

/** ExecRequest is runc exec's flags as Docker and containerd pass them. */
export interface ExecRequest {
  /** --process: a JSON file holding the process (containerd always passes it). */
  process?: string;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  tty: boolean;
  cwd?: string;
  env?: string;
  user?: string;
  /** The command after the container id, when there is no --process. */
  args: string[];
}

/** UpdateFlags are runc update's flags as parsed (--resources FILE or -, or the single-resource flags). */
export type UpdateFlags = Readonly<Record<string, string | boolean>>;

/**
 * LauncherCommands declares how a container's later runc commands are served. Those in `sh` are
 * implemented by the container's launcher (PreparedContainer.launcher), sh that shim/msb-runtime
 * sources: start, kill, delete and the rest of a container's life run as the backend's own
 * command line without starting Node, so they stay fast. Those in `node` are sent by the
 * launcher to msb's Node half, which serves exec and update with the Backend's methods and
 * checkpoint with its Checkpointing. A command in both is sent to Node for some containers only
 * (the launcher of each container says which). ps and list are Node commands of their own
 * (shim/msb-runtime sends them to Node); they run the backend's state and ps through the launcher.
 */
interface LauncherCommands {
  sh: readonly string[];
  node: readonly string[];
}

/**
 * RecordedBackend is what a backend serves for a container it created: it declares how the
 * container's launcher serves its later commands, and serves those the launcher sends to Node.
 * It is kept apart from prepare (Backend) so that exec, update, ps and checkpoint load only these
 * small modules, not create's; its operations import their heavy modules when called.
 */
export interface RecordedBackend<S extends BackendSummary = BackendSummary> {
  name: string;
  launcherCommands: LauncherCommands;
  checkpointing: Checkpointing;
  /**
   * summaryOf reads record.backendSummary as this backend's prepare wrote it (records of older
   * msb versions included), refusing another shape with an MsbError that names the field.
   */
  summaryOf(record: ContainerRecord): S;
  /** exec runs a process in a container whose launcher sends exec to Node, with msb's stdio; returns the exit status. */
  exec(c: RecordedContainer, req: ExecRequest): Promise<number>;
  /** update applies runc update's resources to a running container; returns the exit status. */
  update(c: RecordedContainer, flags: UpdateFlags): Promise<number>;
  /**
   * hostPidsJson is `ps --format json`'s output (containerd asks for it for `docker top`): a JSON
   * array of HOST pids, which Docker looks up in the host's process table.
   */
  hostPidsJson(c: RecordedContainer): Promise<string>;
}

/**
 * Backend is one sandbox technology behind msb's runc-compatible surface: it prepares and creates
 * a container (prepare), and serves the container's later commands (RecordedBackend).
 */
export interface Backend<S extends BackendSummary = BackendSummary> extends RecordedBackend<S> {
  prepare(ctx: BackendContext): PreparedContainer<S>;
}
