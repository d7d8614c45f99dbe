import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EngineRuntimes } from './fleet-docker.js';

/** RuntimeKind says whether a runtime name is msb and, from its runtimeArgs, which isolation it asks for. */
export interface RuntimeKind {
  /** The runtime the container runs under: its own, else the engine's default. */
  name: string;
  fromDefault: boolean;
  msb: boolean;
  /** `--isolation` from the alias's runtimeArgs, if any. */
  isolation?: string;
}

/** MSB_EXECUTABLE is the basename every msb runtime path ends in (shim/msb-runtime). */
const MSB_EXECUTABLE = 'msb-runtime';

/** runtimeKind resolves a container's HostConfig.Runtime (empty means the engine default) against the engine's runtimes. */
export function runtimeKind(runtime: string | undefined, engine: EngineRuntimes): RuntimeKind {
  const fromDefault = runtime === undefined || runtime === '';
  const name = fromDefault ? engine.defaultRuntime : runtime;
  const entry = engine.runtimes[name];
  const msb = entry !== undefined && basename(entry.path) === MSB_EXECUTABLE;
  const isolation = isolationArg(entry?.runtimeArgs ?? []);
  return { name, fromDefault, msb, ...(isolation === undefined ? {} : { isolation }) };
}

function isolationArg(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--isolation=')) return a.slice('--isolation='.length);
    if (a === '--isolation') return args[i + 1];
  }
  return undefined;
}

/** SandboxRecord is what msb's record says about a running container's sandbox. */
export interface SandboxRecord {
  backend: string;
  detail?: string;
}

/** readSandboxRecord reads <root>/msb/containers/<id>/record.json, or undefined when msb has none. */
export function readSandboxRecord(root: string, id: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): SandboxRecord | undefined {
  try {
    const record = JSON.parse(read(join(root, 'msb', 'containers', id, 'record.json'))) as { backend?: unknown; backendSummary?: Record<string, unknown> };
    if (typeof record.backend !== 'string') return undefined;
    const s = record.backendSummary ?? {};
    const parts = [typeof s.platform === 'string' ? `platform ${s.platform}` : '', typeof s.runscVersion === 'string' ? `runsc ${s.runscVersion}` : ''].filter(
      Boolean,
    );
    return { backend: record.backend, ...(parts.length > 0 ? { detail: parts.join(', ') } : {}) };
  } catch {
    return undefined;
  }
}
