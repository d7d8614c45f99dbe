import type Docker from 'dockerode';

/** RecreatePlan is how one container is created again under another runtime, everything else as it was. */
export interface RecreatePlan {
  id: string;
  name: string;
  fromRuntime: string;
  /** Create options without the name (the migration picks a temporary one first). */
  create: Docker.ContainerCreateOptions;
  /** Networks beyond the first, connected before the new container starts (Docker 20.10 takes one at create). */
  extraNetworks: { network: string; endpoint: Docker.EndpointSettings }[];
  /** What is carried over, one line each, for --dry-run and the progress log. */
  summary: string[];
  warnings: string[];
}

/** RecreateVerdict is a plan, or the reasons the container cannot be reproduced faithfully. */
export type RecreateVerdict = { plan: RecreatePlan; reasons: [] } | { plan?: undefined; reasons: string[] };

type Inspect = Docker.ContainerInspectInfo;

// What a sandbox cannot reproduce (see docs/fleet.md): the container would change behaviour, or
// msb refuses it at create. Each check reads the inspect document.
const REFUSALS: readonly ((c: Inspect) => string | undefined)[] = [
  (c) => (c.State.Running ? undefined : `is not running (status ${c.State.Status}): start it first, or remove it`),
  (c) =>
    c.HostConfig.AutoRemove
      ? 'was started with --rm: stopping it removes it (and its anonymous volumes), so a failed migration could not be rolled back'
      : undefined,
  (c) => (c.HostConfig.NetworkMode === 'host' ? "uses the host's network (--network host), which msb refuses" : undefined),
  (c) =>
    c.HostConfig.NetworkMode?.startsWith('container:')
      ? `joins another container's network namespace (${c.HostConfig.NetworkMode}); each gVisor sandbox has its own network stack`
      : undefined,
  (c) => (c.HostConfig.Privileged ? 'is privileged: the sandbox withholds the host devices and kernel access it asked for' : undefined),
  (c) =>
    /^(host|container:)/.test(c.HostConfig.PidMode ?? '')
      ? `shares a process namespace (--pid ${c.HostConfig.PidMode}), which the sandbox does not`
      : undefined,
  (c) =>
    /^(host|container:)/.test(c.HostConfig.IpcMode ?? '') ? `shares an IPC namespace (--ipc ${c.HostConfig.IpcMode}), which the sandbox does not` : undefined,
  (c) => (c.HostConfig.UTSMode === 'host' ? "uses the host's UTS namespace (--uts host)" : undefined),
  (c) =>
    (c.HostConfig.Devices?.length ?? 0) > 0 || ((c.HostConfig as { DeviceRequests?: unknown[] }).DeviceRequests?.length ?? 0) > 0
      ? 'has host devices (--device/--gpus), which are not passed into the sandbox'
      : undefined,
];

/**
 * planRecreate turns a container's inspect document into the create call that reproduces it
 * under runtime: the same Config and HostConfig (image, command, env, user, workdir, labels,
 * ports, mounts, restart policy, log config, limits…), networks with their aliases and static
 * addresses, and anonymous volumes reattached by name so their data stays.
 */
export function planRecreate(c: Inspect, runtime: string, currentImageId: string | undefined): RecreateVerdict {
  const reasons = REFUSALS.map((check) => check(c)).filter((r): r is string => r !== undefined);
  if (reasons.length > 0) return { reasons };
  const warnings: string[] = [];
  const name = c.Name.replace(/^\//, '');
  // Run the very image the old container runs, even if its tag has moved since.
  const image = currentImageId === c.Image ? c.Config.Image : c.Image;
  if (image !== c.Config.Image) warnings.push(`${c.Config.Image} now names another image: the new container uses the old one's image ${c.Image.slice(0, 19)}`);
  const project = c.Config.Labels?.['com.docker.compose.project'];
  if (project)
    warnings.push(`managed by docker-compose project ${project}: harden its compose file too (msbctl harden), or compose recreates it under its old runtime`);
  const anonymous = anonymousVolumes(c);
  const binds = [...(c.HostConfig.Binds ?? []), ...anonymous.map((m) => `${m.Name}:${m.Destination}${m.RW ? '' : ':ro'}`)];
  if (binds.some((b) => b.split(':')[0]!.endsWith('.sock')))
    warnings.push('binds a host Unix socket: msb lets it through only where policy sockets.* allows it');
  const volumes = { ...(c.Config.Volumes ?? {}) };
  for (const m of anonymous) delete volumes[m.Destination];
  const { primary, extra } = splitNetworks(c);
  const create: Docker.ContainerCreateOptions = {
    ...c.Config,
    Image: image,
    Volumes: volumes,
    HostConfig: { ...c.HostConfig, Runtime: runtime, Binds: binds, Links: legacyLinks(c.HostConfig.Links), ...reattachedMounts(c) },
    ...(primary ? { NetworkingConfig: { EndpointsConfig: { [primary.network]: primary.endpoint } } } : {}),
  };
  const summary = [
    `image ${image}`,
    `command ${JSON.stringify([...asList(c.Config.Entrypoint), ...asList(c.Config.Cmd)])}`,
    ...[primary, ...extra].filter((n) => n !== undefined).map((n) => `network ${n.network}${describeEndpoint(n.endpoint)}`),
    ...Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([port, list]) =>
      (list as { HostIp: string; HostPort: string }[]).map((b) => `port ${b.HostIp || '0.0.0.0'}:${b.HostPort} → ${port}`),
    ),
    // Docker lists Mounts in Go map order (varies per inspect): sort them for a stable plan.
    ...[...c.Mounts]
      .sort((a, b) => a.Destination.localeCompare(b.Destination))
      .map(
        (m) =>
          `mount ${m.Type} ${m.Type === 'bind' ? m.Source : m.Name} → ${m.Destination}${m.RW ? '' : ' (ro)'}${anonymous.includes(m) || sourcelessMount(c, m.Destination) ? ' (anonymous volume, reattached by name)' : ''}`,
      ),
    `restart policy ${c.HostConfig.RestartPolicy?.Name || 'no'}`,
  ];
  return { plan: { id: c.Id, name, fromRuntime: c.HostConfig.Runtime || 'engine default', create, extraNetworks: extra, summary, warnings }, reasons: [] };
}

/** sourcelessMount says whether --mount gave the volume at target no name (Docker made one up). */
function sourcelessMount(c: Inspect, target: string): boolean {
  return (c.HostConfig.Mounts ?? []).some((m) => m.Type === 'volume' && !m.Source && m.Target === target);
}

/**
 * reattachedMounts copies HostConfig.Mounts with each source-less volume (`--mount
 * type=volume,target=/data`, compose's anonymous volumes) given the name Docker made for it, so
 * the new container gets the same data instead of a fresh empty volume.
 */
function reattachedMounts(c: Inspect): { Mounts?: Docker.MountSettings[] } {
  const mounts = c.HostConfig.Mounts;
  if (!mounts) return {};
  const nameAt = (target: string | undefined): string | undefined => c.Mounts.find((m) => m.Type === 'volume' && m.Destination === target)?.Name;
  return {
    Mounts: mounts.map((m) => {
      const name = m.Type === 'volume' && !m.Source ? nameAt(m.Target) : undefined;
      return name ? { ...m, Source: name } : m;
    }),
  };
}

/** anonymousVolumes are volume mounts the user never named (docker run -v /dir, image VOLUMEs). */
function anonymousVolumes(c: Inspect): Inspect['Mounts'] {
  const named = new Set([
    ...(c.HostConfig.Binds ?? []).map((b) => b.split(':')[1]),
    ...((c.HostConfig.Mounts ?? []) as { Target?: string }[]).map((m) => m.Target),
  ]);
  return c.Mounts.filter((m) => m.Type === 'volume' && m.Name !== undefined && !named.has(m.Destination)).sort((a, b) =>
    a.Destination.localeCompare(b.Destination),
  );
}

function splitNetworks(c: Inspect): {
  primary?: { network: string; endpoint: Docker.EndpointSettings };
  extra: { network: string; endpoint: Docker.EndpointSettings }[];
} {
  const mode = c.HostConfig.NetworkMode ?? 'default';
  const networks = Object.entries(c.NetworkSettings.Networks ?? {}).map(([network, e]) => ({ network, endpoint: endpointOf(c, e) }));
  const primaryName = mode === 'default' ? 'bridge' : mode;
  const primary = networks.find((n) => n.network === primaryName || n.endpoint.NetworkID === primaryName);
  return { ...(primary ? { primary } : {}), extra: networks.filter((n) => n !== primary) };
}

/** endpointOf keeps what the user chose for a network: aliases (minus the old id Docker adds), static addresses, links, driver options. */
function endpointOf(c: Inspect, e: Docker.EndpointSettings): Docker.EndpointSettings {
  const aliases = (e.Aliases ?? []).filter((a) => a !== c.Id.slice(0, 12));
  const ipam = e.IPAMConfig && Object.values(e.IPAMConfig).some((v) => (Array.isArray(v) ? v.length > 0 : Boolean(v))) ? e.IPAMConfig : undefined;
  return {
    ...(aliases.length > 0 ? { Aliases: aliases } : {}),
    ...(ipam ? { IPAMConfig: ipam } : {}),
    ...(e.Links && e.Links.length > 0 ? { Links: e.Links } : {}),
    ...(e.DriverOpts ? { DriverOpts: e.DriverOpts } : {}),
    NetworkID: e.NetworkID,
  };
}

function describeEndpoint(e: Docker.EndpointSettings): string {
  const parts = [e.Aliases ? `aliases ${e.Aliases.join(', ')}` : '', e.IPAMConfig?.IPv4Address ? `ip ${e.IPAMConfig.IPv4Address}` : ''].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** legacyLinks turns inspect's "/db:/web/database" back into create's "db:database". */
function legacyLinks(links: string[] | undefined): string[] | undefined {
  return links?.map((l) => {
    const [target, alias] = l.split(':');
    return `${target!.replace(/^\//, '')}:${alias!.split('/').pop()!}`;
  });
}

function asList(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}
