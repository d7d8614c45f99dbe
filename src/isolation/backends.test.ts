import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../base/record.js';
import { thrownMsbError } from '../../test/support/msb-error.js';
import { BACKENDS } from './backends.js';
import { backendOf, RECORDED_BACKENDS } from './recorded-backends.js';
import { gvisorLauncher } from './gvisor/launcher.js';
import { krunLauncher } from './krun/krun-launcher.js';

// Every launcher shape each backend writes (gVisor routes exec to Node only with a pids limit).
const LAUNCHERS: Record<string, string[]> = {
  gvisor: [false, true].map((pidsLimit) =>
    gvisorLauncher({ id: 'c1', bundle: '/b', runsc: '/usr/bin/runsc', runscArgs: ['--root', '/r'], root: '/run/msb', pidsLimit }),
  ),
  krun: [krunLauncher({ id: 'c1', bundle: '/b', root: '/run/msb', runc: '/usr/sbin/runc', runcArgs: ['--root', '/r'], ownedFiles: [] })],
};

/** The commands a launcher accepts (msb_commands) and those its msb_exec sends to Node. */
function routesOf(launcher: string): { accepted: string[]; toNode: string[] } {
  const accepted = /^msb_commands='([^']*)'$/m.exec(launcher)?.[1]?.trim().split(' ') ?? [];
  const toNode = /case \$msb_cmd in ([^)]*)\)/.exec(launcher)?.[1]?.split(' | ') ?? [];
  return { accepted, toNode };
}

describe('Backend.launcherCommands', () => {
  it('covers every backend of this build', () => {
    expect(Object.keys(LAUNCHERS).sort()).toEqual(Object.keys(BACKENDS).sort());
  });

  it.each(Object.keys(BACKENDS))('%s: the launcher accepts exactly the declared commands and sends to Node only those declared for Node', (name) => {
    const declared = BACKENDS[name]!.launcherCommands;
    for (const launcher of LAUNCHERS[name] ?? []) {
      const { accepted, toNode } = routesOf(launcher);
      expect(accepted.length).toBeGreaterThan(0);
      expect([...accepted].sort()).toEqual([...new Set([...declared.sh, ...declared.node])].sort());
      expect(toNode.length).toBeGreaterThan(0);
      for (const cmd of toNode) expect(declared.node).toContain(cmd);
    }
    // What goes to Node is served there: exec and update by the backend's methods, checkpoint by its Checkpointing.
    for (const cmd of declared.node) expect(['exec', 'update', 'checkpoint']).toContain(cmd);
  });
});

describe('RECORDED_BACKENDS', () => {
  it('serves the later commands of every backend with the same operations as BACKENDS', () => {
    expect(Object.keys(RECORDED_BACKENDS).sort()).toEqual(Object.keys(BACKENDS).sort());
    for (const [name, b] of Object.entries(BACKENDS)) {
      const r = RECORDED_BACKENDS[name]!;
      for (const key of Object.keys(r) as (keyof typeof r)[]) expect(b[key]).toBe(r[key]);
      expect(Object.keys(b).sort()).toEqual([...Object.keys(r), 'prepare'].sort());
    }
  });
});

describe('backendOf', () => {
  it("finds a recorded container's backend, and refuses one this build does not know", () => {
    const record = (backend: string): ContainerRecord => ({ id: 'c1', backend, bundle: '/b', created: '', selection: [], backendSummary: {} });
    expect(backendOf(record('krun')).name).toBe('krun');
    expect(thrownMsbError(() => backendOf(record('firecracker')), 'internal').message).toBe(
      'container c1 runs under firecracker, which this build does not know',
    );
    expect(thrownMsbError(() => backendOf(record('toString')), 'internal').message).toBe('container c1 runs under toString, which this build does not know');
  });
});
