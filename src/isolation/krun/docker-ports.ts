import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../base/spec.js';
import { dockerContainerDir } from '../container-image.js';

/** PublishedPort is a container port msb forwards from the container's netns into the guest. */
export interface PublishedPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

/** parsePortKeys reads Docker's "80/tcp" keys; sctp and malformed keys are skipped (msb forwards tcp and udp). */
export function parsePortKeys(keys: Iterable<string>): PublishedPort[] {
  const seen = new Map<string, PublishedPort>();
  for (const key of keys) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(key);
    if (!m) continue;
    const port = Number(m[1]);
    if (port < 1 || port > 65535) continue;
    const protocol = (m[2] ?? 'tcp') as PublishedPort['protocol'];
    seen.set(`${port}/${protocol}`, { port, protocol });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/**
 * dockerPorts lists the ports Docker publishes (-p, -P) or exposes (EXPOSE, --expose) for the
 * container, from Docker's own records beside its hostname file: hostconfig.json and
 * config.v2.json, both written by dockerd at `docker create`. Asking the daemon instead
 * (GET /containers/<id>/json) would wait on the container lock dockerd holds while it runs
 * create (moby daemon/start.go). Exposed ports count too: other containers reach any of them on
 * the container's address without publishing, and in a microVM only forwarded ports answer.
 */
export function dockerPorts(spec: Spec, id: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): PublishedPort[] {
  const dir = dockerContainerDir(spec, id);
  if (!dir) return [];
  const keys: string[] = [];
  try {
    const host = JSON.parse(read(join(dir, 'hostconfig.json'))) as { PortBindings?: Record<string, unknown> | null };
    keys.push(...Object.keys(host.PortBindings ?? {}));
  } catch {
    // No hostconfig.json: nothing published.
  }
  try {
    const config = JSON.parse(read(join(dir, 'config.v2.json'))) as { Config?: { ExposedPorts?: Record<string, unknown> | null } };
    keys.push(...Object.keys(config.Config?.ExposedPorts ?? {}));
  } catch {
    // No config.v2.json: nothing exposed.
  }
  return parsePortKeys(keys);
}
