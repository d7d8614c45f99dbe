import { basename, dirname } from 'node:path';
import { runtimesOf } from '../../daemon-json.js';
import type { CheckStatus, DoctorCheck, FactValue, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';
import { runtimeArgsProblem } from './runtime-args.js';

/** RuntimeName is one runtime name as daemon.json and the running engine know it. */
export interface RuntimeName {
  name: string;
  /** path in daemon.json, undefined when only the engine has the name. */
  filePath?: string;
  /** path the engine loaded (`docker info` Runtimes), undefined when it has not (yet). */
  enginePath?: string;
  /** runtimeArgs as daemon.json has them, else as the engine loaded them. */
  args: string[];
}

/** collectRuntimeNames merges daemon.json's "runtimes" with the engine's, by name, sorted. */
export function collectRuntimeNames(
  file: Record<string, unknown> | undefined,
  engine: Record<string, { path?: string; runtimeArgs?: string[] }> | undefined,
): RuntimeName[] {
  const byName = new Map<string, RuntimeName>();
  for (const [name, entry] of Object.entries(file ?? {})) {
    const { path, runtimeArgs } = (entry ?? {}) as { path?: unknown; runtimeArgs?: unknown };
    const args = Array.isArray(runtimeArgs) ? runtimeArgs.filter((a): a is string => typeof a === 'string') : [];
    byName.set(name, { name, args, ...(typeof path === 'string' ? { filePath: path } : {}) });
  }
  for (const [name, entry] of Object.entries(engine ?? {})) {
    const known = byName.get(name);
    byName.set(name, { ...(known ?? { name, args: entry.runtimeArgs ?? [] }), ...(entry.path ? { enginePath: entry.path } : {}) });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** isMsbRuntimePath says whether a runtime path is msb's shim (by its file name, after symlinks). */
export function isMsbRuntimePath(path: string, resolved: string | undefined): boolean {
  return basename(resolved ?? path) === 'msb-runtime';
}

function problems(status: CheckStatus, otherCheckouts: number, total: number): string {
  if (status === 'ok') return '';
  const parts = [otherCheckouts > 0 ? `${otherCheckouts} of ${total} from another checkout` : '', status === 'fail' ? 'some paths missing' : ''].filter(
    Boolean,
  );
  // Other warnings (reload, runtime arguments) are spelled out in the detail.
  return ` (${parts.length > 0 ? parts.join(', ') : 'see detail'}; -v for detail)`;
}

const RANK: Record<CheckStatus, number> = { skip: 0, ok: 1, warn: 2, fail: 3 };

/**
 * msbRuntimeCheck: which runtime names point at msb's shim, whether each path exists, whether it
 * is this checkout's, and whether dockerd has loaded what daemon.json says.
 */
export const msbRuntimeCheck: DoctorCheck<DoctorContext> = {
  id: 'msb-runtime',
  async run(ctx): Promise<Finding> {
    const { host } = ctx;
    const file = ctx.daemonJson();
    const docker = await ctx.docker();
    const engine = docker instanceof Error ? undefined : docker.runtimes;
    // parseDaemonJson has already refused a "runtimes" that is not an object.
    const fileRuntimes = file.config ? runtimesOf(file.config, file.path) : undefined;
    const names = collectRuntimeNames(fileRuntimes, engine);
    const ownCheckout = host.realpath(host.checkout) ?? host.checkout;
    let status: CheckStatus = 'ok';
    const raise = (s: CheckStatus): void => void (RANK[s] > RANK[status] && (status = s));
    const lines: string[] = [];
    const details: string[] = [];
    let otherCheckouts = 0;
    const fixes = new Set<string>();
    const facts: Record<string, FactValue> = {};
    const msbNames: string[] = [];
    for (const entry of names) {
      const path = entry.filePath ?? entry.enginePath ?? '';
      const absolute = path.includes('/') ? path : (host.which(path) ?? path);
      const resolved = host.realpath(absolute);
      if (!isMsbRuntimePath(absolute, resolved)) continue;
      msbNames.push(entry.name);
      facts[`path.${entry.name}`] = path;
      const notes: string[] = [];
      if (resolved === undefined || !host.isExecutable(resolved)) {
        raise('fail');
        notes.push(resolved === undefined ? 'MISSING' : 'NOT EXECUTABLE');
        fixes.add(`re-register the name from an existing checkout: shim/msbctl install --name ${entry.name} (or uninstall it)`);
      } else {
        const version = host.run(resolved, ['--version']);
        const commit = /^commit: (.*)$/m.exec(version.stdout)?.[1];
        if (commit) notes.push(commit);
        const checkout = dirname(dirname(resolved));
        if (checkout !== ownCheckout) {
          raise('warn');
          notes.push(`another checkout than this msbctl's (${ownCheckout})`);
          fixes.add(`run the msbctl of the checkout each name points at, or re-register with this one: shim/msbctl install --name NAME`);
        }
      }
      if (entry.filePath !== undefined && entry.enginePath === undefined && engine) {
        raise('warn');
        notes.push('in daemon.json but not loaded by dockerd');
        fixes.add('reload dockerd: kill -HUP $(cat /var/run/docker.pid)');
      } else if (entry.filePath === undefined && file.config) {
        raise('warn');
        notes.push('loaded by dockerd but no longer in daemon.json');
        fixes.add('reload dockerd: kill -HUP $(cat /var/run/docker.pid)');
      } else if (entry.filePath !== undefined && entry.enginePath !== undefined && entry.filePath !== entry.enginePath) {
        raise('warn');
        notes.push(`dockerd still runs ${entry.enginePath}`);
        fixes.add('reload dockerd: kill -HUP $(cat /var/run/docker.pid)');
      }
      const argsProblem = runtimeArgsProblem(entry.args, ctx.policy().policy);
      if (argsProblem) {
        raise('warn');
        notes.push(argsProblem);
        fixes.add(`fix or remove the runtime name: shim/msbctl uninstall --name ${entry.name}`);
      }
      lines.push(`${entry.name}${entry.args.length ? ` (${entry.args.join(' ')})` : ''} → ${path}`);
      details.push(`${entry.name} → ${path}${notes.length ? `: ${notes.join('; ')}` : ''}`);
      if (notes.some((n) => n.startsWith('another checkout'))) otherCheckouts += 1;
    }
    facts.registered = msbNames.length > 0;
    facts.names = msbNames.join(' ');
    const sources = [
      file.error ? `daemon.json: ${file.error}` : `daemon.json: ${file.path}`,
      engine ? 'engine: docker info Runtimes' : 'engine: not reachable',
    ];
    if (msbNames.length === 0) {
      return {
        status: 'fail',
        summary: 'no runtime name points at msb-runtime: `docker run --runtime=msb` cannot work',
        detail: sources.join('\n'),
        fix: 'register it: shim/msbctl install (adds "msb" to daemon.json and reloads dockerd)',
        facts,
      };
    }
    return {
      status,
      summary: `${lines.join(', ')}${problems(status, otherCheckouts, msbNames.length)}`,
      detail: [...details, ...sources, `this msbctl's checkout: ${ownCheckout}`].join('\n'),
      ...(fixes.size > 0 ? { fix: [...fixes].join('; ') } : {}),
      facts,
    };
  },
};
