import { describe, expect, it } from 'vitest';
import { fakeFleet, inspectDoc } from '../../../test/support/fake-fleet-docker.js';
import { fleetMigrate, type FleetMigrateOptions } from './fleet-migrate.js';

async function run(containers: ReturnType<typeof inspectDoc>[], flags: Partial<FleetMigrateOptions>) {
  const docker = fakeFleet(containers);
  const out: string[] = [];
  const options: FleetMigrateOptions = { names: ['web'], runtime: 'msb', dryRun: false, keepOld: false, ...flags };
  const error = await fleetMigrate(options, { docker, out: (l) => void out.push(l), settleMs: 0 }).then(
    () => undefined,
    (e: Error) => e,
  );
  return { docker, out, error };
}

describe('msbctl fleet migrate', () => {
  it('--dry-run prints the plan and the steps and calls nothing that changes the engine', async () => {
    const r = await run([inspectDoc('web')], { dryRun: true });
    expect(r.error).toBeUndefined();
    expect(r.docker.calls).toEqual([]);
    expect(r.out[0]).toBe('web: would move from runc to msb, keeping:');
    expect(r.out.at(-2)).toMatch(/^web: steps: create web-msb-new under msb, .*remove web-pre-msb \(volumes stay\)/);
    expect(r.out.at(-1)).toBe('dry run: nothing changed');
  });

  it('changes nothing when any named container is refused or missing', async () => {
    const r = await run([inspectDoc('web'), inspectDoc('db', { HostConfig: { Privileged: true } })], { names: ['web', 'db', 'ghost'] });
    expect(r.docker.calls).toEqual([]);
    expect(r.out).toEqual([expect.stringMatching(/^refused: db: is privileged/), 'refused: ghost: no such container']);
    expect(r.error?.message).toBe('nothing changed: 2 problem(s) with db, ghost');
  });

  it('refuses when the temporary names are taken', async () => {
    const r = await run([inspectDoc('web'), inspectDoc('web-pre-msb')], {});
    expect(r.out).toEqual(['refused: web: the name web-pre-msb the migration needs is taken by another container']);
  });

  it('moves a container named twice (by name and by id) once', async () => {
    const web = inspectDoc('web');
    const r = await run([web], { names: ['web', web.Id], dryRun: true });
    expect(r.error).toBeUndefined();
    expect(r.out.filter((l) => l.startsWith('web: would move'))).toHaveLength(1);
  });

  it('skips containers already under the runtime', async () => {
    const r = await run([inspectDoc('web', { HostConfig: { Runtime: 'msb' } })], {});
    expect([r.error, r.out, r.docker.calls]).toEqual([undefined, ['web: already runs under msb: nothing to do'], []]);
  });

  it.each([
    [{ runtime: 'nope' }, /runtime nope is not registered with Docker/],
    [{ runtime: 'runc' }, /runtime runc is not msb \(its path is runc\)/],
    [{ names: [] }, /no container given/],
  ])('refuses %o', async (flags, message) => {
    expect((await run([inspectDoc('web')], flags)).error?.message).toMatch(message);
  });

  it('migrates and reports the new container', async () => {
    const r = await run([inspectDoc('web')], {});
    expect(r.error).toBeUndefined();
    expect(r.out.at(-1)).toMatch(/^web: now runs under msb \(container new1/);
  });
});
