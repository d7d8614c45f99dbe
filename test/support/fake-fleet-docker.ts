// A recording in-memory FleetDocker for the fleet unit tests.
import type Docker from 'dockerode';
import type { EngineRuntimes, FleetDocker } from '../../src/ctl/fleet/fleet-docker.js';

/** FakeFleet is an in-memory engine: containers by id, a call log, and optional failures by call. */
export interface FakeFleet extends FleetDocker {
  containers: Map<string, Docker.ContainerInspectInfo>;
  calls: string[];
  failOn: Set<string>;
}

/** inspectDoc builds a running container's inspect document with the fields fleet reads. */
export function inspectDoc(
  name: string,
  over: { Config?: object; HostConfig?: object; State?: object; Mounts?: object[]; Networks?: object } = {},
): Docker.ContainerInspectInfo {
  const id = `${name.replace(/[^a-f0-9]/g, 'a').padEnd(12, '0')}${'f'.repeat(52)}`.slice(0, 64);
  return {
    Id: id,
    Name: `/${name}`,
    Image: 'sha256:img',
    RestartCount: 0,
    State: { Running: true, Status: 'running', ExitCode: 0, ...over.State },
    Config: { Image: 'local/busybox', Cmd: ['sleep', '1'], Env: ['A=1'], Labels: {}, ...over.Config },
    HostConfig: { Runtime: 'runc', NetworkMode: 'default', RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, Binds: [], ...over.HostConfig },
    Mounts: over.Mounts ?? [],
    NetworkSettings: { Networks: over.Networks ?? { bridge: { NetworkID: 'n0', Aliases: null } } },
  } as unknown as Docker.ContainerInspectInfo;
}

/** fakeFleet starts with the given containers and runtimes (runc default, msb registered). */
export function fakeFleet(containers: Docker.ContainerInspectInfo[], engine?: Partial<EngineRuntimes>): FakeFleet {
  const byId = new Map(containers.map((c) => [c.Id, c]));
  const calls: string[] = [];
  const failOn = new Set<string>();
  const find = (nameOrId: string) => [...byId.values()].find((c) => c.Id === nameOrId || c.Name === `/${nameOrId}`);
  const act = async (call: string, effect: () => void) => {
    calls.push(call);
    if (failOn.has(call.split(' ')[0]!)) throw new Error(`${call} failed`);
    effect();
  };
  let next = 0;
  return {
    containers: byId,
    calls,
    failOn,
    engineRuntimes: async () => ({
      defaultRuntime: 'runc',
      runtimes: { runc: { path: 'runc' }, msb: { path: '/opt/msb/shim/msb-runtime' }, ...engine?.runtimes },
      ...(engine?.defaultRuntime ? { defaultRuntime: engine.defaultRuntime } : {}),
    }),
    listRunning: async () => [...byId.values()].filter((c) => c.State.Running).map((c) => c.Id),
    inspect: async (n) => structuredClone(find(n)),
    imageId: async () => 'sha256:img',
    create: async (o) => {
      const id = `new${++next}`.padEnd(64, '0');
      await act(`create ${o.name}`, () =>
        byId.set(id, {
          ...inspectDoc(o.name!),
          Id: id,
          HostConfig: o.HostConfig,
          State: { Running: false, Status: 'created' },
        } as unknown as Docker.ContainerInspectInfo),
      );
      return id;
    },
    connect: (net, id) => act(`connect ${net} ${find(id)!.Name}`, () => undefined),
    start: (id) => act(`start ${find(id)!.Name}`, () => Object.assign(find(id)!.State, { Running: true, Status: 'running' })),
    stop: (id) => act(`stop ${find(id)!.Name}`, () => Object.assign(find(id)!.State, { Running: false, Status: 'exited' })),
    rename: (id, name) => act(`rename ${find(id)!.Name} ${name}`, () => void (find(id)!.Name = `/${name}`)),
    setRestartPolicy: (id, p) => act(`update ${find(id)!.Name} ${p.Name}`, () => void (find(id)!.HostConfig.RestartPolicy = p)),
    remove: (id) => act(`remove ${find(id)!.Name}`, () => void byId.delete(id)),
  };
}
