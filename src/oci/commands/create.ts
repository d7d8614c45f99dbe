import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BACKENDS } from '../../isolation/backends.js';
import { checkAnnotations } from '../../isolation/annotations.js';
import { loadPolicy, type Policy } from '../../isolation/policy.js';
import { type BackendChoice, selectBackend } from '../../isolation/select-backend.js';
import { type EgressChoice, selectEgress } from '../../isolation/select-egress.js';
import type { CreateRequest, PreparedContainer } from '../../isolation/backend.js';
import { MsbError } from '../../base/errors.js';
import { stringifySpec } from '../../base/exact-json.js';
import { type GlobalOptions, logTargetOf, runtimeContextOf } from '../global-options.js';
import { lastLogError, logSize } from '../last-log-error.js';
import { appendLogLine } from '../../base/log.js';
import { containerPaths, type ContainerPaths } from '../../base/paths.js';
import { claimRecordDir, type ContainerRecord, removeRecordDir, writeFileAtomic } from '../../base/record.js';
import { checkRootFilesystem } from '../root-filesystem.js';
import { loadSpec, type LoadedSpec } from '../../base/spec.js';
import { withSystemErrors, wrapSystemError } from '../../base/system-error.js';

/** CreateOptions are runc create's flags. */
export interface CreateOptions {
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: string;
}

function parsePreserveFds(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new MsbError('invalid-argument', `--preserve-fds must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** CreatePlan is everything create decided before writing anything: the backend's prepared container and why it was chosen. */
export interface CreatePlan {
  paths: ContainerPaths;
  policy: Policy;
  bundle: string;
  preserveFds: number;
  loaded: LoadedSpec;
  choice: BackendChoice;
  egress: EgressChoice;
  prepared: PreparedContainer;
}

/**
 * planCreate runs every check of create that can fail without side effects, in create's order:
 * arguments, policy, config.json, root filesystem, annotations, backend selection and the
 * backend's prepare (its checks and spec rewrites). It writes nothing and runs no backend
 * create; the fuzzer (test/fuzz) drives it directly. `verb` is restore when restore plans a
 * container from a checkpoint (the backend may rewrite the spec for it).
 */
export function planCreate(
  g: GlobalOptions,
  id: string,
  opts: CreateOptions,
  env: NodeJS.ProcessEnv = process.env,
  verb: 'create' | 'restore' = 'create',
): CreatePlan {
  const log = logTargetOf(g);
  const debug = (msg: string): void => appendLogLine(log, 'debug', msg);
  const paths = containerPaths(g.root, id);
  const bundle = resolve(opts.bundle ?? '.');
  const preserveFds = parsePreserveFds(opts.preserveFds);
  const policy = loadPolicy(g.policy ?? env.MSB_POLICY);
  const loaded = loadSpec(bundle);
  checkRootFilesystem(bundle, loaded.spec);
  checkAnnotations(loaded.spec.annotations);
  const choice = selectBackend(policy, g.isolation, loaded.spec.annotations, Object.keys(BACKENDS));
  debug(`isolation for ${id}: ${choice.name} (${choice.trail.join('; ')})`);
  const egress = selectEgress(policy, g.egress, loaded.spec.annotations);
  debug(`egress for ${id}: ${egress.profile.name} (${egress.trail.join('; ')})`);
  const backend = BACKENDS[choice.name];
  if (!backend) throw new MsbError('internal', `backend ${choice.name} is not registered`);
  const prepared = backend.prepare({
    id,
    bundle,
    spec: loaded.spec,
    policy,
    egress: egress.profile,
    runtime: runtimeContextOf(g),
    paths,
    preserveFds,
    restoring: verb === 'restore',
    debug,
  });
  return { paths, policy, bundle, preserveFds, loaded, choice, egress, prepared };
}

/**
 * create validates the bundle, chooses the sandbox, rewrites config.json for it, records the
 * container and runs the backend's create. Every check that can fail runs before anything is
 * written (planCreate); if the backend fails, everything msb and the backend made is removed again.
 * Returns the plan it carried out.
 */
export function create(g: GlobalOptions, id: string, opts: CreateOptions, env: NodeJS.ProcessEnv = process.env): CreatePlan {
  const plan = planCreate(g, id, opts, env);
  materialize(g, id, opts, plan, 'create', (req) => plan.prepared.create(req));
  return plan;
}

/** Materializing is a planned container whose files are written, waiting for its backend create. */
export interface Materializing {
  /** The backend's create request. */
  request: CreateRequest;
  /** Ends create with the backend's exit status: afterCreate of `request` when 0; otherwise, or when afterCreate throws, fail. */
  finish(status: number): void;
  /** Removes everything msb and the backend made for the container, then throws `err`. */
  fail(err: unknown): never;
}

/**
 * beginMaterialize claims the record of a planned container and writes its record, config.json
 * and launcher; the caller runs the backend's create (here, or the create helper's client:
 * src/oci/create-helper/) and ends with finish or fail. If writing fails, everything is removed
 * again and the error thrown.
 */
export function beginMaterialize(g: GlobalOptions, id: string, opts: CreateOptions, plan: CreatePlan, verb: string): Materializing {
  const { paths, bundle, preserveFds, loaded, choice, egress, prepared } = plan;
  withSystemErrors(`cannot create the record of container ${id} in ${paths.dir}`, () => claimRecordDir(paths, id));
  const logOffset = logSize(g.log);
  const fail = (err: unknown): never => {
    const gone = prepared.destroy(id);
    restoreConfig(loaded);
    // Something may still run: keep the record as "being created" (no launcher), so delete --force
    // sources its cleanup.sh again; otherwise nothing could reach what is left.
    if (gone) removeRecordDir(paths);
    else rmSync(paths.launcher, { force: true });
    throw err;
  };
  try {
    writeRecord(paths, loaded, prepared, {
      id,
      backend: choice.name,
      bundle,
      created: new Date().toISOString(),
      selection: choice.trail,
      egress: { profile: egress.profile.name, selection: egress.trail },
      backendSummary: prepared.summary,
      controlSockets: prepared.controlSockets,
    });
  } catch (err) {
    fail(wrapSystemError(`cannot write the files of container ${id} (record in ${paths.dir}, config.json in ${bundle})`, err));
  }
  const request: CreateRequest = { id, bundle, pidFile: opts.pidFile, consoleSocket: opts.consoleSocket, preserveFds };
  return {
    request,
    finish(status: number): void {
      try {
        if (status !== 0) {
          const reason = lastLogError(g.log, logOffset) ?? 'see the runtime output above';
          throw new MsbError('backend', `${choice.name}: ${verb} failed (exit ${status}): ${reason}`);
        }
        prepared.afterCreate(request);
      } catch (err) {
        fail(err);
      }
    },
    fail,
  };
}

/**
 * materialize writes a planned container's record, config.json and launcher, runs `run` (the
 * backend's create, or its restore: src/oci/commands/restore.ts) and finishes it; on any
 * failure it removes everything msb and the backend made again.
 */
export function materialize(g: GlobalOptions, id: string, opts: CreateOptions, plan: CreatePlan, verb: string, run: (req: CreateRequest) => number): void {
  const m = beginMaterialize(g, id, opts, plan, verb);
  let status = 0;
  try {
    status = run(m.request);
  } catch (err) {
    m.fail(err);
  }
  m.finish(status);
}

function writeRecord(paths: ContainerPaths, loaded: LoadedSpec, prepared: PreparedContainer, record: ContainerRecord): void {
  writeFileSync(paths.originalConfig, loaded.original, { mode: 0o600 });
  prepared.writeFiles();
  writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  if (prepared.spec !== loaded.spec) writeFileAtomic(loaded.path, stringifySpec(prepared.spec, loaded.text), 0o644);
  // The launcher goes last: shim/msb-runtime treats a record without one as still being created.
  writeFileAtomic(paths.launcher, prepared.launcher);
}

function restoreConfig(loaded: LoadedSpec): void {
  try {
    writeFileAtomic(loaded.path, loaded.original, 0o644);
  } catch {
    // The bundle is gone with its caller: nothing to restore.
  }
}
