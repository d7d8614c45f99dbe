import type Docker from 'dockerode';

/** DOCTOR_LABEL marks every container and network doctor makes; its value is the run's token. */
export const DOCTOR_LABEL = 'io.msb.doctor';

/** ProbeContainer is one throw-away container: its name, image, runtime name, network and command. */
interface ProbeContainer {
  name: string;
  image: string;
  runtime: string;
  network: string;
  cmd: string[];
  labels: Record<string, string>;
}

/** ProbeRun is how a container that ran to its end (or past the deadline) ended. */
export interface ProbeRun {
  /** exitCode is null when the container did not finish in time. */
  exitCode: number | null;
  /** output is stdout and stderr, interleaved as Docker kept them. */
  output: string;
}

/** Leftover is a container or network an earlier doctor run made and did not remove (it was killed). */
export interface Leftover {
  kind: 'container' | 'network';
  id: string;
  /** created is in seconds since the epoch. */
  created: number;
}

/**
 * DockerProbe is the part of the Docker API doctor's service-discovery check uses. Every method
 * that makes something takes a name doctor chose; remove* ignore what is already gone.
 */
export interface DockerProbe {
  imageExists: (reference: string) => Promise<boolean>;
  /** createNetwork makes a bridge network and returns its IPv4 gateway ('' if Docker gave none). */
  createNetwork: (name: string, labels: Record<string, string>) => Promise<string>;
  /** startContainer creates and starts a detached container. */
  startContainer: (spec: ProbeContainer) => Promise<void>;
  /** runContainer creates and starts a container and waits (at most timeoutMs) for it to exit. */
  runContainer: (spec: ProbeContainer, timeoutMs: number) => Promise<ProbeRun>;
  /** addressOn is the container's IPv4 address on the network ('' if none). */
  addressOn: (container: string, network: string) => Promise<string>;
  removeContainer: (name: string) => Promise<void>;
  removeNetwork: (name: string) => Promise<void>;
  /** leftovers lists what carries DOCTOR_LABEL. */
  leftovers: () => Promise<Leftover[]>;
}

/** demuxDockerLogs turns Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxDockerLogs(data: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at + 4);
    parts.push(data.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

async function ignoreNotFound(action: Promise<unknown>): Promise<void> {
  try {
    await action;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** dockerodeProbe is the real DockerProbe over the engine doctor talks to. */
export function dockerodeProbe(docker: Docker): DockerProbe {
  const create = (spec: ProbeContainer): Promise<Docker.Container> =>
    docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: spec.cmd,
      Labels: spec.labels,
      HostConfig: { Runtime: spec.runtime, NetworkMode: spec.network },
    });
  return {
    imageExists: async (reference) => {
      try {
        await docker.getImage(reference).inspect();
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    createNetwork: async (name, labels) => {
      const network = await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
      const info = (await network.inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
      return info.IPAM?.Config?.map((c) => c.Gateway ?? '').find((g) => /^\d+\.\d+\.\d+\.\d+$/.test(g)) ?? '';
    },
    startContainer: async (spec) => {
      await (await create(spec)).start();
    },
    runContainer: async (spec, timeoutMs) => {
      const container = await create(spec);
      // Wait before start, as docker run does, so a container that exits at once is not missed; with
      // "next-exit" (the default, "not-running", returns at once for a container not started yet).
      const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await container.start();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      try {
        const result = await Promise.race([waited, deadline]);
        const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
        return { exitCode: result === null ? null : result.StatusCode, output: demuxDockerLogs(logs) };
      } finally {
        clearTimeout(timer);
        waited.catch(() => undefined); // the container is removed under a wait that timed out
      }
    },
    addressOn: async (container, network) => {
      const info = (await docker.getContainer(container).inspect()) as { NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> } };
      return info.NetworkSettings?.Networks?.[network]?.IPAddress ?? '';
    },
    removeContainer: (name) => ignoreNotFound(docker.getContainer(name).remove({ force: true })),
    removeNetwork: (name) => ignoreNotFound(docker.getNetwork(name).remove()),
    leftovers: async () => {
      const filters = { label: [DOCTOR_LABEL] };
      const containers = await docker.listContainers({ all: true, filters });
      const networks = (await docker.listNetworks({ filters })) as { Id: string; Created?: string }[];
      return [
        ...containers.map((c): Leftover => ({ kind: 'container', id: c.Id, created: c.Created })),
        ...networks.map((n): Leftover => ({ kind: 'network', id: n.Id, created: Date.parse(n.Created ?? '') / 1000 || 0 })),
      ];
    },
  };
}
