import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { MsbError } from '../../base/errors.js';
import { containerPaths } from '../../base/paths.js';
import { type ContainerRecord, readRecord } from '../../base/record.js';

/** DOCKER_RUNTIME_ROOT is the --root Docker passes to every runc-compatible runtime. */
export const DOCKER_RUNTIME_ROOT = '/var/run/docker/runtime-runc/moby';

/** SocketsOptions are `msbctl sockets`'s argument and flags, already parsed. */
export interface SocketsOptions {
  container: string;
  root: string;
  json: boolean;
}

/** SocketsDeps is the system boundary of `msbctl sockets`; tests replace Docker and stdout. */
export interface SocketsDeps {
  out: (line: string) => void;
  /** Resolves a Docker name or short id to the full container id. */
  resolveId: (nameOrId: string) => Promise<string>;
  hasRecord: (root: string, id: string) => boolean;
  readRecord: (root: string, id: string) => ContainerRecord;
}

/** defaultSocketsDeps reads records from disk and asks the local Docker engine for names. */
function defaultSocketsDeps(): SocketsDeps {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    resolveId: async (nameOrId) => {
      try {
        return (await new Docker().getContainer(nameOrId).inspect()).Id;
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404) throw new MsbError('not-found', `no container ${nameOrId} (neither an msb record nor a Docker container)`);
        throw new MsbError('backend', `cannot ask Docker for container ${nameOrId}: ${(err as Error).message}`, { cause: err });
      }
    },
    hasRecord: (root, id) => /^[\w+.-]+$/.test(id) && !id.startsWith('.') && existsSync(containerPaths(root, id).record),
    readRecord: (root, id) => readRecord(containerPaths(root, id), id),
  };
}

/**
 * sockets prints a container's declared control sockets (io.msb.control-socket): the path inside
 * the container and the host path a client connects to. The container is a full id with an msb
 * record under root, else a Docker name or id prefix that Docker resolves.
 */
export async function sockets(options: SocketsOptions, deps: SocketsDeps = defaultSocketsDeps()): Promise<void> {
  const id = deps.hasRecord(options.root, options.container) ? options.container : await deps.resolveId(options.container);
  if (!deps.hasRecord(options.root, id))
    throw new MsbError('not-found', `container ${options.container} has no msb record under ${options.root} (not running under msb, or already removed)`);
  const list = deps.readRecord(options.root, id).controlSockets ?? [];
  if (options.json) {
    deps.out(JSON.stringify({ id, controlSockets: list }));
    return;
  }
  if (list.length === 0) {
    deps.out(`container ${id} declares no control sockets`);
    return;
  }
  for (const s of list) deps.out(`${s.path}\t${s.hostPath}`);
}
