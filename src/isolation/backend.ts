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

/** PreparedContainer is a backend's plan for one container, made before anything is created. */
export interface PreparedContainer {
  /** The spec to write to the bundle (the same object when nothing changed). */
  spec: Spec;
  /** Writes the backend's files under the record directory, before the backend runs. */
  writeFiles(): void;
  /**
   * Runs once the backend's create succeeded (its create-time hooks have run). Where Docker sets
   * the network up only after create (Docker 28+), it records what start must finish instead.
   */
  afterCreate(): void;
  /** The sh fragment shim/msb-runtime sources for every later command of this container. */
  launcher: string;
  /** Sockets the container creates for the host (io.msb.control-socket); the record lists them for msbctl. */
  controlSockets: ControlSocket[];
  /** What the record remembers about the backend, for list, doctor and humans. */
  summary: Record<string, unknown>;
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
      checkpoint(req: CheckpointRequest): number;
    };

/** Backend is one sandbox technology behind msb's runc-compatible surface. */
export interface Backend {
  name: string;
  prepare(ctx: BackendContext): PreparedContainer;
  checkpointing: Checkpointing;
}
