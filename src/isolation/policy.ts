import { validatePolicy } from '../generated/validators.js';
import { MsbError } from '../base/errors.js';
import { readRegularFile } from '../base/read-regular-file.js';
import { describeValidationError } from '../base/spec.js';
import { describeSystemError, errnoOf } from '../base/system-error.js';
import { DEFAULT_CACHE_MS } from '../dns/answer-cache.js';
import { DEFAULT_RATE_LIMIT } from '../dns/registration.js';
import { ALLOW_ALL, allProfiles, type EgressProfile, type ProfileDefinition } from '../egress/profiles.js';

/** DEFAULT_POLICY_PATH is where msb looks for the operator policy when none is named. */
export const DEFAULT_POLICY_PATH = '/etc/msb/policy.json';

/** Policy is the operator's validated configuration with every default filled in. */
export interface Policy {
  source: string;
  isolation: {
    default: string;
    allowed: string[];
    allowAnnotation: boolean;
    allowRuntimeArgs: boolean;
  };
  gvisor: {
    runsc: string;
    platform: 'auto' | 'ptrace' | 'systrap' | 'kvm';
    rmemWorkaround: 'auto' | 'always' | 'never';
    /** enforce: platform kvm fails create at once on a host whose KVM cannot run it; warn: log it and try. */
    kvmHostCheck: 'enforce' | 'warn';
    /** How long runsc create may take before msb kills it and cleans up. */
    createTimeoutSeconds: number;
    /** never: no raw sockets (gVisor's default); capability: runsc --net-raw when the container holds CAP_NET_RAW (docs/gvisor.md). */
    rawSockets: 'never' | 'capability';
    /** docker: runsc --overlay2=none, writes where Docker looks; sandbox: runsc's in-sandbox rootfs overlay (docs/gvisor.md). */
    rootfsWrites: 'docker' | 'sandbox';
    /** Whether the io.msb.gvisor.rootfs-writes annotation may choose rootfsWrites per container. */
    allowRootfsWritesAnnotation: boolean;
  };
  dns: { upstreams: string[]; relay: boolean; rateLimit: number; cacheMs: number };
  krun: KrunPolicy;
  sockets: {
    connect: SocketConnectRule[];
    listen: SocketListenRule[];
    control: SocketSelector[];
    controlDirectory: string;
  };
  egress: EgressPolicy;
  /** The warm create helper (docs/create-helper.md): create without a Node start. */
  createHelper: { enabled: boolean; idleSeconds: number };
}

/** EgressPolicy is what each container may reach (docs/egress.md): profiles and who may choose them. */
interface EgressPolicy {
  /** The profile of a container that chooses none (allow-all: today's behaviour). */
  default: string;
  /** Profiles an io.msb.egress annotation may pick under a runtime that sets no --egress. */
  allowed: string[];
  allowAnnotation: boolean;
  allowRuntimeArgs: boolean;
  /** For a runtime registered with --egress=P: the profiles its annotations may pick (default: P only). */
  runtimes: Record<string, string[]>;
  /** Built-in and operator profiles, parsed. */
  profiles: Record<string, EgressProfile>;
}

type EgressPolicyFile = Partial<Omit<EgressPolicy, 'profiles'>> & { profiles?: Record<string, ProfileDefinition> };

/** KrunPolicy is the libkrun microVM backend's host configuration (docs/krun.md). */
export interface KrunPolicy {
  /** runc, which keeps namespaces, cgroups, hooks and the console for the VMM process. */
  runc: string;
  /** tini, the init in front of msb (msb ignores SIGTERM as PID 1). */
  tini: string;
  /** microsandbox's platform package directory; empty = the package installed beside msb. */
  packageDir: string;
  /** enforce: create fails on hosts that cannot boot libkrun guests; warn: log it and try. */
  hostCheck: 'enforce' | 'warn';
  /** Guest RAM in MiB; 0 = derive from the container's memory limit (else msb's default). */
  memoryMiB: number;
  /** Guest vCPUs; 0 = derive from the CPU quota or cpuset (else msb's default). */
  vcpus: number;
  /** Memory the VMM itself needs inside the container's cgroup, kept out of the guest's RAM. */
  vmmHeadroomMiB: number;
  /** msb's DNS rebind protection (NXDOMAINs private answers, which Docker's service names are). */
  dnsRebindProtection: boolean;
  /** Guest address pool (per-sandbox /30s), away from Docker's bridge pools. */
  ipv4Pool: string;
  /** Disk-backed /var/lib/docker volume in MiB for docker-in-VM; 0 = none. */
  dockerVolumeMiB: number;
  /** Where disk-backed volumes are created (must be on a real disk, not tmpfs). */
  volumeDirectory: string;
}

/** DEFAULT_KRUN_POLICY is the krun section when the operator sets nothing. */
export const DEFAULT_KRUN_POLICY: KrunPolicy = {
  runc: 'runc',
  tini: 'tini-static',
  packageDir: '',
  hostCheck: 'enforce',
  memoryMiB: 0,
  vcpus: 0,
  vmmHeadroomMiB: 96,
  dnsRebindProtection: false,
  ipv4Pool: '100.64.0.0/16',
  dockerVolumeMiB: 0,
  volumeDirectory: '/var/lib/msb/volumes',
};

/** SocketSelector limits a socket rule to some containers; an empty selector matches every container. */
export interface SocketSelector {
  /** KEY (the container carries the annotation) or KEY=VALUE (with that value). */
  annotation?: string;
  /** An image reference: repository (any tag), repository:tag, or an image id sha256:…. */
  image?: string;
}

/** SocketConnectRule lets containers connect to one host socket that is bind-mounted into them. */
interface SocketConnectRule extends SocketSelector {
  path: string;
}

/** SocketListenRule lets containers create sockets in a bind-mounted host directory (or below it). */
interface SocketListenRule extends SocketSelector {
  directory: string;
}

/** DEFAULT_CONTROL_DIRECTORY holds msb's per-container control-socket directories (short: sun_path has 108 bytes). */
/** DEFAULT_CREATE_TIMEOUT_SECONDS bounds runsc create (about 0.3 s here; gVisor's kvm platform on a kvm-pvm host never returns). */
const DEFAULT_CREATE_TIMEOUT_SECONDS = 60;

/** How long the create helper waits for the next create before it exits. */
export const DEFAULT_CREATE_HELPER_IDLE_SECONDS = 900;

const DEFAULT_CONTROL_DIRECTORY = '/run/msb/sockets';

type PolicyFile = {
  isolation?: Partial<Policy['isolation']>;
  gvisor?: Partial<Policy['gvisor']>;
  dns?: Partial<Policy['dns']>;
  krun?: Partial<KrunPolicy>;
  sockets?: Partial<Policy['sockets']>;
  egress?: EgressPolicyFile;
  createHelper?: Partial<Policy['createHelper']>;
};

/**
 * egressWithDefaults parses the profiles and checks every profile name the section mentions. An
 * annotation may pick allow-all only where the operator says so (or where it is the default):
 * by default a container can narrow its egress, never widen it.
 */
function egressWithDefaults(file: EgressPolicyFile | undefined, source: string): EgressPolicy {
  const profiles = allProfiles(file?.profiles ?? {}, source);
  const known = (name: string, key: string): string => {
    if (!(name in profiles))
      throw new MsbError(
        'invalid-policy',
        `policy ${source}: ${key} names unknown egress profile ${JSON.stringify(name)} (known: ${Object.keys(profiles).join(', ')})`,
      );
    return name;
  };
  const def = known(file?.default ?? ALLOW_ALL, 'egress.default');
  const allowed = file?.allowed ?? [...new Set([def, ...Object.keys(profiles).filter((n) => n !== ALLOW_ALL)])];
  for (const n of allowed) known(n, 'egress.allowed');
  const runtimes = file?.runtimes ?? {};
  for (const [runtime, names] of Object.entries(runtimes)) {
    known(runtime, 'egress.runtimes');
    for (const n of names) known(n, `egress.runtimes.${runtime}`);
  }
  return { default: def, allowed, allowAnnotation: file?.allowAnnotation ?? true, allowRuntimeArgs: file?.allowRuntimeArgs ?? true, runtimes, profiles };
}

/** withDefaults fills in every key the operator left out. */
export function withDefaults(file: PolicyFile, source: string): Policy {
  return {
    source,
    isolation: {
      default: file.isolation?.default ?? 'gvisor',
      allowed: file.isolation?.allowed ?? ['gvisor', 'krun'],
      allowAnnotation: file.isolation?.allowAnnotation ?? true,
      allowRuntimeArgs: file.isolation?.allowRuntimeArgs ?? true,
    },
    gvisor: {
      runsc: file.gvisor?.runsc ?? 'runsc',
      platform: file.gvisor?.platform ?? 'auto',
      rmemWorkaround: file.gvisor?.rmemWorkaround ?? 'auto',
      kvmHostCheck: file.gvisor?.kvmHostCheck ?? 'enforce',
      createTimeoutSeconds: file.gvisor?.createTimeoutSeconds ?? DEFAULT_CREATE_TIMEOUT_SECONDS,
      rawSockets: file.gvisor?.rawSockets ?? 'never',
      rootfsWrites: file.gvisor?.rootfsWrites ?? 'docker',
      allowRootfsWritesAnnotation: file.gvisor?.allowRootfsWritesAnnotation ?? false,
    },
    dns: {
      upstreams: file.dns?.upstreams ?? [],
      relay: file.dns?.relay ?? true,
      rateLimit: file.dns?.rateLimit ?? DEFAULT_RATE_LIMIT,
      cacheMs: file.dns?.cacheMs ?? DEFAULT_CACHE_MS,
    },
    krun: { ...DEFAULT_KRUN_POLICY, ...file.krun },
    sockets: {
      connect: file.sockets?.connect ?? [],
      listen: file.sockets?.listen ?? [],
      control: file.sockets?.control ?? [],
      controlDirectory: file.sockets?.controlDirectory ?? DEFAULT_CONTROL_DIRECTORY,
    },
    egress: egressWithDefaults(file.egress, source),
    createHelper: { enabled: file.createHelper?.enabled ?? true, idleSeconds: file.createHelper?.idleSeconds ?? DEFAULT_CREATE_HELPER_IDLE_SECONDS },
  };
}

/** parsePolicy validates policy text; an error names the file and the offending key. */
export function parsePolicy(text: string, source: string): Policy {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MsbError('invalid-policy', `policy ${source}: malformed JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!validatePolicy(data)) {
    throw new MsbError('invalid-policy', `policy ${describeValidationError(source, validatePolicy.errors)}`);
  }
  const file = data as PolicyFile;
  checkCommandPath(file.gvisor?.runsc, 'gvisor.runsc', source);
  checkCommandPath(file.krun?.runc, 'krun.runc', source);
  checkCommandPath(file.krun?.tini, 'krun.tini', source);
  return withDefaults(file, source);
}

/**
 * checkCommandPath refuses a relative path for a binary msb runs (gvisor.runsc, krun.runc,
 * krun.tini): it would name a different file, or none, depending on the directory the runtime
 * was started in (containerd starts it in the bundle). A bare name is looked up on PATH.
 */
function checkCommandPath(value: string | undefined, key: string, source: string): void {
  if (value === undefined || !value.includes('/') || value.startsWith('/')) return;
  throw new MsbError(
    'invalid-policy',
    `policy ${source}: ${key} ${JSON.stringify(value)} is a relative path; give an absolute path (or a bare name, looked up on PATH)`,
  );
}

/**
 * loadPolicy reads the policy named by --policy or MSB_POLICY, else the default path. A named
 * file must exist; the default path may be absent, and then the built-in defaults apply.
 */
export function loadPolicy(
  named: string | undefined,
  read: (p: string) => string = (p) => readRegularFile(p, `policy ${p}`, 'invalid-policy').toString('utf8'),
): Policy {
  const path = named ?? DEFAULT_POLICY_PATH;
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    const system = errnoOf(err) !== undefined ? err : (err as Error).cause;
    if (named === undefined && errnoOf(system) === 'ENOENT') return withDefaults({}, 'built-in defaults');
    if (err instanceof MsbError) throw err;
    throw new MsbError('invalid-policy', `cannot read policy ${path}: ${describeSystemError(err)}`, { cause: err });
  }
  return parsePolicy(text, path);
}
