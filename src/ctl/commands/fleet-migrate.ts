import { MsbError } from '../../base/errors.js';
import { dockerodeFleet, type FleetDocker } from '../fleet/fleet-docker.js';
import { migrateContainer, migrationNames } from '../fleet/migrate-container.js';
import { planRecreate, type RecreatePlan } from '../fleet/recreate-plan.js';
import { runtimeKind } from '../fleet/runtime-kind.js';

/** FleetMigrateOptions are `msbctl fleet migrate`'s arguments and flags, already parsed. */
export interface FleetMigrateOptions {
  names: string[];
  runtime: string;
  dryRun: boolean;
  keepOld: boolean;
}

/** FleetMigrateDeps is the system boundary of `msbctl fleet migrate`. */
export interface FleetMigrateDeps {
  docker: FleetDocker;
  out: (line: string) => void;
  settleMs: number;
}

/**
 * fleetMigrate plans every named container first and changes nothing unless all of them can be
 * reproduced under the msb runtime; then migrates them one by one, stopping at the first failure
 * (which that container's rollback has undone).
 */
export async function fleetMigrate(
  options: FleetMigrateOptions,
  deps: FleetMigrateDeps = { docker: dockerodeFleet(), out: (l) => process.stdout.write(`${l}\n`), settleMs: 2000 },
): Promise<void> {
  if (options.names.length === 0) throw new MsbError('invalid-argument', 'no container given');
  const engine = await deps.docker.engineRuntimes();
  const target = engine.runtimes[options.runtime];
  if (target === undefined)
    throw new MsbError('not-found', `runtime ${options.runtime} is not registered with Docker (msbctl install --name ${options.runtime})`);
  if (!runtimeKind(options.runtime, engine).msb)
    throw new MsbError('invalid-argument', `runtime ${options.runtime} is not msb (its path is ${target.path}); fleet migrate moves containers into msb only`);
  const plans: RecreatePlan[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of options.names) {
    const c = await deps.docker.inspect(name);
    if (c === undefined) {
      problems.push(`${name}: no such container`);
      continue;
    }
    // A container named twice (by name and by id) is moved once.
    if (seen.has(c.Id)) continue;
    seen.add(c.Id);
    const current = runtimeKind(c.HostConfig.Runtime, engine);
    if (current.name === options.runtime) {
      deps.out(`${name}: already runs under ${options.runtime}: nothing to do`);
      continue;
    }
    const verdict = planRecreate(c, options.runtime, await deps.docker.imageId(c.Config.Image));
    const taken = await takenNames(deps.docker, c.Name.replace(/^\//, ''));
    const reasons = [...verdict.reasons, ...taken];
    if (reasons.length > 0 || verdict.plan === undefined) problems.push(...reasons.map((r) => `${name}: ${r}`));
    else plans.push(verdict.plan);
  }
  for (const p of problems) deps.out(`refused: ${p}`);
  if (problems.length > 0)
    throw new MsbError('unsupported', `nothing changed: ${problems.length} problem(s) with ${[...new Set(problems.map((p) => p.split(':')[0]))].join(', ')}`);
  for (const plan of plans) {
    deps.out(`${plan.name}: ${options.dryRun ? 'would move' : 'moving'} from ${plan.fromRuntime} to ${options.runtime}, keeping:`);
    for (const line of plan.summary) deps.out(`  ${line}`);
    for (const w of plan.warnings) deps.out(`  warning: ${w}`);
  }
  if (options.dryRun) {
    for (const plan of plans) deps.out(`${plan.name}: steps: ${steps(plan.name, options.runtime, options.keepOld)}`);
    deps.out('dry run: nothing changed');
    return;
  }
  const done: string[] = [];
  for (const plan of plans) {
    try {
      const id = await migrateContainer(deps.docker, plan, { runtime: options.runtime, keepOld: options.keepOld, settleMs: deps.settleMs }, deps.out);
      deps.out(`${plan.name}: now runs under ${options.runtime} (container ${id.slice(0, 12)})`);
      done.push(plan.name);
    } catch (err) {
      const left = plans.slice(done.length + 1).map((p) => p.name);
      const message = `${(err as Error).message}${done.length ? `; already migrated: ${done.join(', ')}` : ''}${left.length ? `; not attempted: ${left.join(', ')}` : ''}`;
      throw new MsbError('backend', message, { cause: err });
    }
  }
}

function steps(name: string, runtime: string, keepOld: boolean): string {
  const n = migrationNames(name);
  return [
    `create ${n.fresh} under ${runtime}`,
    'connect its other networks',
    ...(keepOld ? ['set the old restart policy to "no"'] : []),
    `stop ${name}`,
    `rename ${name} → ${n.old} and ${n.fresh} → ${name}`,
    `start ${name}`,
    'check it keeps running',
    keepOld ? `keep ${n.old} stopped` : `remove ${n.old} (volumes stay)`,
    '(any failure rolls back and restarts the old container)',
  ].join(', ');
}

async function takenNames(docker: FleetDocker, name: string): Promise<string[]> {
  const names = migrationNames(name);
  const taken: string[] = [];
  for (const n of [names.fresh, names.old])
    if ((await docker.inspect(n)) !== undefined) taken.push(`the name ${n} the migration needs is taken by another container`);
  return taken;
}
