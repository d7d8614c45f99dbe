import { describe, expect, it } from 'vitest';
import { fakeFleet, inspectDoc } from '../../../test/support/fake-fleet-docker.js';
import { migrateContainer } from './migrate-container.js';
import { planRecreate } from './recreate-plan.js';

const settings = { runtime: 'msb', keepOld: false, settleMs: 0, sleep: async () => undefined };

function setup() {
  const old = inspectDoc('web', { Networks: { front: { NetworkID: 'n1' }, back: { NetworkID: 'n2' } }, HostConfig: { NetworkMode: 'front' } });
  const docker = fakeFleet([old]);
  const plan = planRecreate(old, 'msb', 'sha256:img').plan!;
  const progress: string[] = [];
  return { old, docker, plan, progress };
}

describe('migrateContainer', () => {
  it('creates, connects, stops, swaps names, starts, checks and removes the old one, in that order', async () => {
    const { docker, plan, progress, old } = setup();
    const id = await migrateContainer(docker, plan, settings, (l) => void progress.push(l));
    expect(docker.calls).toEqual([
      'create web-msb-new',
      'connect back /web-msb-new',
      'stop /web',
      'rename /web web-pre-msb',
      'rename /web-msb-new web',
      'start /web',
      'remove /web-pre-msb',
    ]);
    expect(progress[0]).toBe('web: [1/7] create web-msb-new under msb');
    expect(progress).toHaveLength(7);
    expect(docker.containers.has(old.Id)).toBe(false);
    expect(docker.containers.get(id)?.Name).toBe('/web');
  });

  it('--keep-old leaves the old one stopped with restart policy "no"', async () => {
    const { docker, plan, old } = setup();
    await migrateContainer(docker, plan, { ...settings, keepOld: true }, () => undefined);
    const kept = docker.containers.get(old.Id)!;
    expect([kept.Name, kept.State.Running, kept.HostConfig.RestartPolicy?.Name]).toEqual(['/web-pre-msb', false, 'no']);
  });

  it.each([
    ['create', ['create web-msb-new']],
    ['connect', ['create web-msb-new', 'connect back /web-msb-new', 'remove /web-msb-new']],
    [
      'start',
      [
        'create web-msb-new',
        'connect back /web-msb-new',
        'stop /web',
        'rename /web web-pre-msb',
        'rename /web-msb-new web',
        'start /web',
        'rename /web web-msb-new',
        'rename /web-pre-msb web',
        'start /web',
        'remove /web-msb-new',
      ],
    ],
  ])('rolls back, newest step first, when %s fails', async (failing, calls) => {
    const { docker, plan, progress, old } = setup();
    docker.failOn.add(failing);
    // The old container's own start is the rollback; let only the new one's start fail.
    if (failing === 'start') {
      const start = docker.start;
      let first = true;
      docker.start = async (id) => {
        if (first) {
          first = false;
          docker.calls.push(`start /web`);
          throw new Error('runtime create failed');
        }
        docker.failOn.delete('start');
        return start(id);
      };
    }
    await expect(migrateContainer(docker, plan, settings, (l) => void progress.push(l))).rejects.toThrow(
      /web: migration to msb failed: .*; rolled back: web runs as before/,
    );
    expect(docker.calls).toEqual(calls);
    const back = docker.containers.get(old.Id)!;
    expect([back.Name, back.State.Running]).toEqual(['/web', true]);
    expect([...docker.containers.keys()]).toEqual([old.Id]);
  });

  it('rolls back when the new container exits during the check', async () => {
    const { docker, plan, old } = setup();
    let checks = 0;
    const inspect = docker.inspect;
    docker.inspect = async (id) => {
      const c = await inspect(id);
      if (c && id !== old.Id && ++checks === 2) Object.assign(c.State, { Running: false, Status: 'exited', ExitCode: 3 });
      return c;
    };
    await expect(migrateContainer(docker, plan, settings, () => undefined)).rejects.toThrow(/stopped within 0 ms \(status exited, exit code 3\)/);
    expect(docker.containers.get(old.Id)?.State.Running).toBe(true);
    expect(docker.containers.size).toBe(1);
  });
});
