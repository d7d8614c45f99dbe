import { MsbError } from '../base/errors.js';

/** DaemonConfig is a parsed daemon.json, kept as plain JSON so keys msbctl does not know survive. */
export type DaemonConfig = Record<string, unknown>;

/** RuntimeEntry is one value of daemon.json's "runtimes" object, as dockerd reads it. */
export interface RuntimeEntry {
  path: string;
  runtimeArgs?: string[];
}

/** DaemonJsonEdit is an edited config plus what changed, one human-readable line each; no lines: no change. */
export interface DaemonJsonEdit {
  config: DaemonConfig;
  changes: string[];
}

/** RUNTIME_NAME_PATTERN is the runtime names msbctl accepts: safe in `docker run --runtime=NAME` and in paths. */
const RUNTIME_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// dockerd refuses to start, or to reload, with a daemon.json that redefines its stock runtime
// (moby daemon/config: "runtime name 'runc' is reserved"); Docker 23+ also reserves containerd's
// shim names. Refusing here keeps msbctl from writing a file that breaks the next dockerd start.
const RESERVED_RUNTIME_NAMES = ['runc', 'io.containerd.runc.v2', 'io.containerd.runtime.v1.linux'];

/** validateRuntimeName checks NAME for install and uninstall and returns it unchanged. */
export function validateRuntimeName(name: string): string {
  if (!RUNTIME_NAME_PATTERN.test(name)) {
    throw new MsbError('invalid-argument', `invalid runtime name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-', starting with a letter or digit`);
  }
  if (RESERVED_RUNTIME_NAMES.includes(name)) {
    throw new MsbError('invalid-argument', `runtime name ${JSON.stringify(name)} is reserved by Docker: msbctl will not shadow it`);
  }
  return name;
}

/** parseDaemonJson parses daemon.json text; file names the file in the error if it is malformed. */
export function parseDaemonJson(text: string, file: string): DaemonConfig {
  // An empty file is what `touch daemon.json` leaves; treat it as an empty configuration.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MsbError('invalid-argument', `${file} is not valid JSON (${(err as Error).message}): fix or move it, then run msbctl again`, { cause: err });
  }
  if (!isPlainObject(parsed)) throw new MsbError('invalid-argument', `${file} must hold a JSON object, not ${describeJsonType(parsed)}`);
  runtimesOf(parsed, file);
  return parsed;
}

/** formatDaemonJson renders a config the way msbctl writes it: 2-space indent and a trailing newline. */
export function formatDaemonJson(config: DaemonConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** addRuntime registers (or replaces) runtime NAME, and with makeDefault makes it "default-runtime". */
export function addRuntime(config: DaemonConfig, name: string, entry: RuntimeEntry, options: { makeDefault: boolean }): DaemonJsonEdit {
  const next = structuredClone(config);
  const changes: string[] = [];
  const wanted: RuntimeEntry =
    entry.runtimeArgs && entry.runtimeArgs.length > 0 ? { path: entry.path, runtimeArgs: [...entry.runtimeArgs] } : { path: entry.path };
  const runtimes = runtimesOf(next) ?? {};
  const existing = Object.hasOwn(runtimes, name) ? runtimes[name] : undefined;
  if (existing === undefined) {
    changes.push(`add runtime "${name}": ${JSON.stringify(wanted)}`);
  } else if (!sameJson(existing, wanted)) {
    changes.push(`replace runtime "${name}": was ${JSON.stringify(existing)}, now ${JSON.stringify(wanted)}`);
  }
  if (changes.length > 0) {
    runtimes[name] = wanted;
    next.runtimes = runtimes;
  }
  if (options.makeDefault && next['default-runtime'] !== name) {
    const was = next['default-runtime'];
    changes.push(`set "default-runtime" to "${name}" (was ${was === undefined ? 'unset, i.e. runc' : JSON.stringify(was)})`);
    next['default-runtime'] = name;
  }
  return { config: next, changes };
}

/** removeRuntime unregisters runtime NAME and points "default-runtime" back at runc if it named it. */
export function removeRuntime(config: DaemonConfig, name: string): DaemonJsonEdit {
  const next = structuredClone(config);
  const changes: string[] = [];
  const runtimes = runtimesOf(next);
  if (runtimes && Object.hasOwn(runtimes, name)) {
    changes.push(`remove runtime "${name}": ${JSON.stringify(runtimes[name])}`);
    delete runtimes[name];
    // An install into a file without runtimes followed by an uninstall gives the file back as it was.
    if (Object.keys(runtimes).length === 0) delete next.runtimes;
  }
  // Also when NAME is not registered: dockerd refuses a default-runtime that names no runtime.
  // Set runc explicitly rather than deleting the key: dockerd's SIGHUP reload keeps its current
  // default runtime when the key is absent (seen with Docker 20.10), so a deletion would leave
  // msb the default until the next restart.
  if (next['default-runtime'] === name) {
    changes.push(`set "default-runtime" back to "runc" (was "${name}")`);
    next['default-runtime'] = 'runc';
  }
  return { config: next, changes };
}

/** runtimesOf returns the config's "runtimes" object (undefined if absent), refusing one of another type. */
export function runtimesOf(config: DaemonConfig, file = 'daemon.json'): Record<string, unknown> | undefined {
  const runtimes = config.runtimes;
  if (runtimes === undefined) return undefined;
  if (!isPlainObject(runtimes)) throw new MsbError('invalid-argument', `${file}: "runtimes" must be a JSON object, not ${describeJsonType(runtimes)}`);
  return runtimes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

// Key order is not meaning: {"runtimeArgs": […], "path": p} is the same registration as {"path": p, …}.
function sameJson(a: unknown, b: unknown): boolean {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  return a === b;
}
