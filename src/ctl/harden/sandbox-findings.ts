/** Finding is one service setting a sandbox cannot honour: errors block hardening, warnings are reported. */
export interface Finding {
  setting: string;
  level: 'error' | 'warning';
  reason: string;
}

type Rule = (config: Record<string, unknown>) => Finding | undefined;

// Measured with msb on Docker 20.10: --network=host fails create (msb refuses the host netns);
// --privileged, --pid=host, --ipc=host and --device start but the container sees only the
// sandbox's own kernel, processes and /dev (architecture.md, "Isolation guarantees").
const RULES: readonly Rule[] = [
  (c) =>
    c.network_mode === 'host'
      ? {
          setting: 'network_mode: host',
          level: 'error',
          reason: "msb refuses the host's network namespace (the container would fail to start); use a compose network",
        }
      : undefined,
  (c) =>
    c.privileged === true
      ? {
          setting: 'privileged: true',
          level: 'error',
          reason: "a privileged container expects the host's devices and kernel, which a sandbox exists to withhold: it would start without them",
        }
      : undefined,
  (c) =>
    c.pid === 'host'
      ? { setting: 'pid: host', level: 'error', reason: "the sandbox has its own process table: the service would see only its own processes, not the host's" }
      : undefined,
  (c) =>
    c.ipc === 'host'
      ? { setting: 'ipc: host', level: 'error', reason: "the sandbox has its own IPC namespace: the host's shared memory and semaphores are out of reach" }
      : undefined,
  (c) =>
    typeof c.network_mode === 'string' && /^(container|service):/.test(c.network_mode)
      ? {
          setting: `network_mode: ${c.network_mode}`,
          level: 'warning',
          reason: 'each gVisor sandbox runs its own network stack, so containers joined to one network namespace do not share localhost as they do under runc',
        }
      : undefined,
  (c) =>
    Array.isArray(c.devices) && c.devices.length > 0
      ? {
          setting: 'devices',
          level: 'warning',
          reason: 'host devices are not passed into the sandbox (gVisor emulates its own /dev): the service will not see them',
        }
      : undefined,
  (c) => {
    const socket = volumeSources(c.volumes).find((s) => s.endsWith('.sock'));
    return socket
      ? {
          setting: `volumes: ${socket}`,
          level: 'warning',
          reason: 'a host Unix socket crosses the sandbox wall only where msb policy sockets.* allows it (docs/control-sockets.md)',
        }
      : undefined;
  },
];

/** sandboxFindings lists the settings of one service's merged configuration that a sandbox cannot honour. */
export function sandboxFindings(config: Record<string, unknown>): Finding[] {
  return RULES.map((rule) => rule(config)).filter((f): f is Finding => f !== undefined);
}

/** volumeSources are the host sides of a service's volumes, in short (`src:dst`) or long ({source}) syntax. */
function volumeSources(volumes: unknown): string[] {
  if (!Array.isArray(volumes)) return [];
  return volumes.flatMap((v): string[] => {
    if (typeof v === 'string') return v.includes(':') ? [v.split(':')[0]!] : [];
    if (v !== null && typeof v === 'object' && typeof (v as { source?: unknown }).source === 'string') return [(v as { source: string }).source];
    return [];
  });
}
