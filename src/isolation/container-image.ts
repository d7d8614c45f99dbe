import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Spec } from '../base/spec.js';
import type { ContainerIdentity } from './host-socket-policy.js';

/**
 * dockerContainerDir is Docker's own directory for the container (/var/lib/docker/containers/<id>),
 * found from the /etc/hostname bind mount Docker adds; undefined for other callers.
 */
export function dockerContainerDir(spec: Spec, id: string): string | undefined {
  const hostname = spec.mounts?.find((m) => m.destination === '/etc/hostname' && m.source !== undefined);
  if (!hostname?.source || basename(hostname.source) !== 'hostname') return undefined;
  const dir = dirname(hostname.source);
  if (basename(dir) !== id || basename(dirname(dir)) !== 'containers') return undefined;
  return dir;
}

/**
 * dockerImageOf finds the image a Docker container runs. Docker's config.json does not name it,
 * but Docker bind-mounts /etc/hostname from /var/lib/docker/containers/<id>/hostname, and beside
 * it keeps config.v2.json (written by dockerd at `docker create`, not writable by the container's
 * user). Annotations are not used: whoever runs a container can set them. Other callers
 * (containerd, Kubernetes) yield undefined, so image-limited socket rules never match them.
 */
export function dockerImageOf(spec: Spec, id: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): ContainerIdentity['image'] {
  const dir = dockerContainerDir(spec, id);
  if (!dir) return undefined;
  try {
    const config = JSON.parse(read(join(dir, 'config.v2.json'))) as { ID?: string; Image?: string; Config?: { Image?: string } };
    if (config.ID !== id) return undefined;
    return { reference: config.Config?.Image, id: config.Image };
  } catch {
    return undefined;
  }
}
