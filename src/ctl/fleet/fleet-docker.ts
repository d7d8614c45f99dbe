import Docker from 'dockerode';
import { MsbError } from '../../base/errors.js';

/** RuntimeEntry is one runtime of the engine's daemon.json as `docker info` reports it. */
interface RuntimeEntry {
  path: string;
  runtimeArgs?: string[];
}

/** EngineRuntimes are the engine's runtimes and its default runtime name. */
export interface EngineRuntimes {
  defaultRuntime: string;
  runtimes: Record<string, RuntimeEntry>;
}

/** FleetDocker is the part of the Docker API fleet audit and migrate use; tests pass a fake. */
export interface FleetDocker {
  engineRuntimes(): Promise<EngineRuntimes>;
  /** Ids of the running containers. */
  listRunning(): Promise<string[]>;
  /** The container's inspect document, or undefined when there is no such container. */
  inspect(nameOrId: string): Promise<Docker.ContainerInspectInfo | undefined>;
  /** The id an image name resolves to now, or undefined when it does not resolve. */
  imageId(name: string): Promise<string | undefined>;
  create(options: Docker.ContainerCreateOptions): Promise<string>;
  connect(network: string, container: string, endpoint: Docker.EndpointSettings): Promise<void>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds?: number): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  setRestartPolicy(id: string, policy: Docker.HostRestartPolicy): Promise<void>;
  /** Removes a container, never its volumes. */
  remove(id: string): Promise<void>;
}

/** dockerodeFleet talks to the local engine through /var/run/docker.sock (or DOCKER_HOST). */
export function dockerodeFleet(docker: Docker = new Docker()): FleetDocker {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
      throw new MsbError('backend', `docker: ${what}: ${e.json?.message ?? e.message ?? String(err)}`, { cause: err });
    }
  };
  return {
    engineRuntimes: () =>
      call('info', async () => {
        const info = (await docker.info()) as { DefaultRuntime?: string; Runtimes?: Record<string, RuntimeEntry> };
        return { defaultRuntime: info.DefaultRuntime ?? 'runc', runtimes: info.Runtimes ?? {} };
      }),
    listRunning: () => call('list containers', async () => (await docker.listContainers()).map((c) => c.Id)),
    inspect: async (nameOrId) => {
      try {
        return await docker.getContainer(nameOrId).inspect();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        return call(`inspect ${nameOrId}`, () => Promise.reject(err));
      }
    },
    imageId: async (name) => {
      try {
        return (await docker.getImage(name).inspect()).Id;
      } catch {
        return undefined;
      }
    },
    create: (options) => call(`create ${options.name ?? ''}`, async () => (await docker.createContainer(options)).id),
    connect: (network, container, endpoint) =>
      call(`connect to network ${network}`, async () => void (await docker.getNetwork(network).connect({ Container: container, EndpointConfig: endpoint }))),
    start: (id) => call(`start ${id.slice(0, 12)}`, async () => void (await docker.getContainer(id).start())),
    stop: (id, t) => call(`stop ${id.slice(0, 12)}`, async () => void (await docker.getContainer(id).stop(t === undefined ? {} : { t }))),
    rename: (id, name) => call(`rename ${id.slice(0, 12)} to ${name}`, async () => void (await docker.getContainer(id).rename({ name }))),
    setRestartPolicy: (id, policy) => call(`update ${id.slice(0, 12)}`, async () => void (await docker.getContainer(id).update({ RestartPolicy: policy }))),
    remove: (id) => call(`remove ${id.slice(0, 12)}`, async () => void (await docker.getContainer(id).remove({ v: false, force: true }))),
  };
}
