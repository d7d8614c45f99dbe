import { chmodSync, chownSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { EGRESS_ANNOTATION, ISOLATION_ANNOTATION } from '../../isolation/annotations.js';
import { loadPolicy, type Policy } from '../../isolation/policy.js';
import { BACKENDS } from '../../isolation/backends.js';
import { MsbError } from '../../base/errors.js';
import { validateRuntimeName } from '../daemon-json.js';
import { type HardenedFile, hardenText } from '../harden/harden-file.js';
import { unifiedDiff } from '../harden/line-diff.js';
import type { ServicePlan } from '../harden/plan-service.js';

/** HardenOptions are `msbctl harden`'s files and flags, already parsed. */
export interface HardenOptions {
  files: string[];
  runtime: string;
  isolation?: string;
  /** The egress profile to set as annotation io.msb.egress; checked against policy. */
  egress?: string;
  /** The policy file that defines the profiles (default $MSB_POLICY, else /etc/msb/policy.json). */
  policy?: string;
  force: boolean;
  exclude: string[];
  check: boolean;
  dryRun: boolean;
  diff: boolean;
}

/** HardenDeps is the system boundary of `msbctl harden`; tests keep files in memory. */
export interface HardenDeps {
  out: (line: string) => void;
  err: (line: string) => void;
  readFile: (path: string) => string;
  /** Replaces the files' contents, all or none, each atomically, keeping its mode and owner. */
  writeFiles: (files: readonly { path: string; text: string }[]) => void;
  /** Loads the operator's policy (default: loadPolicy). */
  loadPolicy?: (named: string | undefined) => Policy;
}

/** defaultHardenDeps reads and writes the real files and prints to stdout/stderr. */
export function defaultHardenDeps(): HardenDeps {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new MsbError('not-found', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
    },
    writeFiles: (files) => {
      // Every new content is written beside its file first; only when all are written are they
      // renamed into place, so a failure (disk full, a read-only directory) changes no file.
      const staged: { tmp: string; real: string }[] = [];
      try {
        for (const f of files) {
          // Write through a symlink to its target, so the link stays a link.
          const real = realpathSync(f.path);
          const tmp = `${real}.msbctl-${process.pid}.tmp`;
          const st = statSync(real);
          writeFileSync(tmp, f.text, { flag: 'wx' });
          staged.push({ tmp, real });
          chmodSync(tmp, st.mode & 0o7777); // writeFileSync's mode is reduced by the umask
          if (process.getuid?.() === 0) chownSync(tmp, st.uid, st.gid);
        }
      } catch (err) {
        for (const s of staged) rmSync(s.tmp, { force: true });
        throw new MsbError('internal', `nothing written: ${(err as Error).message}`, { cause: err });
      }
      for (const s of staged) renameSync(s.tmp, s.real);
    },
  };
}

/**
 * harden sets `runtime: <runtime>` (and with --isolation the io.msb.isolation annotation) on every
 * service of the given compose files, editing only those lines; --check instead fails when any
 * service would not run sandboxed. Nothing is written when any service is refused.
 */
export function harden(options: HardenOptions, deps: HardenDeps = defaultHardenDeps()): void {
  const egress =
    options.egress === undefined ? undefined : checkEgress(options.egress, (deps.loadPolicy ?? loadPolicy)(options.policy ?? process.env.MSB_POLICY));
  const target = {
    runtime: validateRuntimeName(options.runtime),
    isolation: checkIsolation(options.isolation),
    ...(egress !== undefined ? { egress } : {}),
    force: options.force,
    exclude: options.exclude,
  };
  if (options.files.length === 0) throw new MsbError('invalid-argument', 'no compose file given');
  const results = options.files.map((path) => hardenText(path, deps.readFile(path), target));
  for (const r of results)
    for (const p of r.plans) for (const w of p.warnings) deps.err(`msbctl harden: warning: ${r.path}: ${p.service}: ${w.setting}: ${w.reason}`);
  const unknown = options.exclude.filter((name) => !results.some((r) => r.plans.some((p) => p.service === name)));
  if (unknown.length > 0) throw new MsbError('invalid-argument', `--exclude names no service of these files: ${unknown.join(', ')}`);
  if (options.check) return check(results, target.runtime, deps);
  if (target.isolation !== undefined) {
    // compose_spec.json of docker-compose 1.29 has no `annotations` ("Unsupported config option").
    deps.err(
      `msbctl harden: note: docker-compose 1.x rejects annotations:; there, use a runtime alias instead (msbctl install --name msb-${target.isolation} --runtime-arg=--isolation=${target.isolation}, then harden --runtime msb-${target.isolation})`,
    );
  }
  if (egress !== undefined) {
    // Docker passes a container's annotations to the runtime only from API 1.43 (Docker 24) on.
    deps.err(
      `msbctl harden: note: annotations reach msb only with Docker ≥ 24 and docker compose v2 (docker-compose 1.x rejects annotations:); otherwise use a runtime alias (msbctl install --name msb-${egress} --runtime-arg=--egress=${egress}, then harden --runtime msb-${egress})`,
    );
  }
  const refused = results.flatMap((r) => r.plans.filter((p) => p.status === 'refused').map((p) => `${p.service} in ${r.path}`));
  if (!options.diff) for (const r of results) for (const p of r.plans) deps.out(`${r.path}: ${p.service}: ${describe(p, target.runtime, options.dryRun)}`);
  if (refused.length > 0)
    throw new MsbError(
      'unsupported',
      `nothing written: ${refused.length} service(s) cannot be hardened (${refused.join(', ')}); change them, or leave them unsandboxed with --exclude`,
    );
  const changed = results.filter((r) => r.output !== r.text);
  if (options.diff || options.dryRun) {
    for (const r of changed) for (const line of unifiedDiff(r.path, `${r.path} (hardened)`, r.text, r.output)) deps.out(line);
    if (options.dryRun) deps.out(`dry run: ${changed.length} file(s) would change; nothing written`);
    return;
  }
  deps.writeFiles(changed.map((r) => ({ path: r.path, text: r.output })));
  for (const r of changed) deps.out(`wrote ${r.path}`);
  if (changed.length === 0) deps.out('nothing to change: every service is already hardened or excluded');
}

function describe(p: ServicePlan, runtime: string, dryRun: boolean): string {
  switch (p.status) {
    case 'hardened':
      return `already runs under ${runtime}`;
    case 'excluded':
      return 'excluded: left as it is (runs unsandboxed)';
    case 'change':
      return `${dryRun ? 'would ' : 'hardened: '}${p.changes.join(', ')}`;
    case 'refused':
      return `refused: ${p.reasons.join('; ')}`;
  }
}

function check(results: HardenedFile[], runtime: string, deps: HardenDeps): void {
  const failing: string[] = [];
  for (const r of results) {
    for (const p of r.plans) {
      if (p.status === 'change' || p.status === 'refused') failing.push(`${p.service} in ${r.path}`);
      deps.out(`${r.path}: ${p.service}: ${verdict(p, runtime)}`);
    }
  }
  if (failing.length > 0) throw new MsbError('forbidden', `check failed: ${failing.length} service(s) would not run under ${runtime}: ${failing.join(', ')}`);
}

function verdict(p: ServicePlan, runtime: string): string {
  switch (p.status) {
    case 'hardened':
      return `sandboxed (runtime ${runtime})`;
    case 'excluded':
      return 'excluded: runs unsandboxed by choice';
    case 'change':
      return `NOT HARDENED: harden would ${p.changes.join(', ')}`;
    case 'refused':
      return `NOT HARDENED: ${p.reasons.join('; ')}`;
  }
}

/**
 * checkEgress accepts a profile the policy defines (built-in or the operator's) and that
 * containers may pick by annotation; anything else is a one-line error before any file is read.
 */
function checkEgress(profile: string, policy: Policy): string {
  const e = policy.egress;
  if (!e.profiles[profile])
    throw new MsbError(
      'invalid-argument',
      `unknown egress profile ${JSON.stringify(profile)} for annotation ${EGRESS_ANNOTATION} (policy ${policy.source}); known: ${Object.keys(e.profiles).join(', ')}`,
    );
  if (!e.allowAnnotation)
    throw new MsbError(
      'forbidden',
      `policy ${policy.source} does not let containers pick an egress profile by annotation (egress.allowAnnotation is false); use a runtime alias with --egress=${profile}`,
    );
  return profile;
}

function checkIsolation(isolation: string | undefined): string | undefined {
  const known = Object.keys(BACKENDS);
  if (isolation !== undefined && !known.includes(isolation)) {
    throw new MsbError(
      'invalid-argument',
      `unknown --isolation ${JSON.stringify(isolation)} for annotation ${ISOLATION_ANNOTATION}; known: ${known.join(', ')}`,
    );
  }
  return isolation;
}
