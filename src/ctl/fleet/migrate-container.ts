import { MsbError } from '../../base/errors.js';
import type { FleetDocker } from './fleet-docker.js';
import type { RecreatePlan } from './recreate-plan.js';

/** MigrateSettings are the knobs of one migration. */
export interface MigrateSettings {
  runtime: string;
  /** Keep the old container, stopped, as <name>-pre-msb (its restart policy set to "no"). */
  keepOld: boolean;
  /** How long the new container must keep running before the old one is removed. */
  settleMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** migrationNames are the temporary name of the new container and the name the old one steps aside to. */
export function migrationNames(name: string): { fresh: string; old: string } {
  return { fresh: `${name}-msb-new`, old: `${name}-pre-msb` };
}

/**
 * migrateContainer recreates one container under the new runtime in a safe order: create the new
 * one under a temporary name, stop the old, swap the names, start the new, check it keeps running,
 * then remove the old (or keep it stopped). Any failure undoes the steps taken, newest first, so
 * the old container runs again under its own name.
 */
export async function migrateContainer(docker: FleetDocker, plan: RecreatePlan, s: MigrateSettings, progress: (line: string) => void): Promise<string> {
  const names = migrationNames(plan.name);
  const total = s.keepOld ? 8 : 7;
  let n = 0;
  const step = (what: string) => progress(`${plan.name}: [${++n}/${total}] ${what}`);
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const sleep = s.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const restart = plan.create.HostConfig?.RestartPolicy;
  try {
    step(`create ${names.fresh} under ${s.runtime}`);
    const fresh = await docker.create({ ...plan.create, name: names.fresh });
    undo.push({ what: `remove ${names.fresh}`, run: () => docker.remove(fresh) });
    step(plan.extraNetworks.length > 0 ? `connect its other networks: ${plan.extraNetworks.map((x) => x.network).join(', ')}` : 'no other networks to connect');
    for (const x of plan.extraNetworks) await docker.connect(x.network, fresh, x.endpoint);
    if (s.keepOld) {
      step('set the old container\'s restart policy to "no" so it stays stopped');
      await docker.setRestartPolicy(plan.id, { Name: 'no' });
      if (restart) undo.push({ what: 'restore its restart policy', run: () => docker.setRestartPolicy(plan.id, restart) });
    }
    step(`stop ${plan.name} (${plan.fromRuntime})`);
    await docker.stop(plan.id);
    undo.push({ what: `start ${plan.name} again`, run: () => docker.start(plan.id) });
    step(`rename ${plan.name} → ${names.old}, ${names.fresh} → ${plan.name}`);
    await docker.rename(plan.id, names.old);
    undo.push({ what: `rename ${names.old} back to ${plan.name}`, run: () => docker.rename(plan.id, plan.name) });
    await docker.rename(fresh, plan.name);
    undo.push({ what: `rename the new container back to ${names.fresh}`, run: () => docker.rename(fresh, names.fresh) });
    step(`start ${plan.name} under ${s.runtime}`);
    await docker.start(fresh);
    undo.push({ what: `stop the new container`, run: () => docker.stop(fresh, 1) });
    step(`check that ${plan.name} keeps running`);
    await verifyRunning(docker, fresh, s.settleMs, sleep);
    if (s.keepOld) step(`keep the old container, stopped, as ${names.old}`);
    else {
      step(`remove the old container (${names.old}; volumes stay)`);
      await docker.remove(plan.id);
    }
    return fresh;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    progress(`${plan.name}: failed: ${reason}; rolling back`);
    const failedUndo: string[] = [];
    for (const u of undo.reverse()) {
      progress(`${plan.name}: rollback: ${u.what}`);
      await u.run().catch((e: unknown) => void failedUndo.push(`${u.what}: ${(e as Error).message}`));
    }
    const state = failedUndo.length === 0 ? `rolled back: ${plan.name} runs as before` : `rollback incomplete (${failedUndo.join('; ')})`;
    throw new MsbError('backend', `${plan.name}: migration to ${s.runtime} failed: ${reason}; ${state}`, { cause: err });
  }
}

/** verifyRunning checks the new container is running, and still running without a restart after settleMs. */
async function verifyRunning(docker: FleetDocker, id: string, settleMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const first = await docker.inspect(id);
  if (!first?.State.Running)
    throw new MsbError('backend', `the new container is not running (status ${first?.State.Status ?? 'gone'}, exit code ${first?.State.ExitCode ?? '?'})`);
  await sleep(settleMs);
  const later = await docker.inspect(id);
  if (!later?.State.Running || later.RestartCount !== first.RestartCount) {
    throw new MsbError(
      'backend',
      `the new container stopped within ${settleMs} ms (status ${later?.State.Status ?? 'gone'}, exit code ${later?.State.ExitCode ?? '?'})`,
    );
  }
}
