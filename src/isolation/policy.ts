import { readFileSync } from 'node:fs';
import { validatePolicy } from '../generated/validators.js';
import { MsbError } from '../oci/errors.js';
import { describeValidationError } from '../oci/spec.js';
import { DEFAULT_CACHE_MS } from '../dns/answer-cache.js';
import { DEFAULT_RATE_LIMIT } from '../dns/registration.js';

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
  };
  dns: { upstreams: string[]; relay: boolean; rateLimit: number; cacheMs: number };
  sockets: {
    connect: SocketConnectRule[];
    listen: SocketListenRule[];
    control: SocketSelector[];
    controlDirectory: string;
  };
}

/** SocketSelector limits a socket rule to some containers; an empty selector matches every container. */
export interface SocketSelector {
  /** KEY (the container carries the annotation) or KEY=VALUE (with that value). */
  annotation?: string;
  /** An image reference: repository (any tag), repository:tag, or an image id sha256:…. */
  image?: string;
}

/** SocketConnectRule lets containers connect to one host socket that is bind-mounted into them. */
export interface SocketConnectRule extends SocketSelector {
  path: string;
}

/** SocketListenRule lets containers create sockets in a bind-mounted host directory (or below it). */
export interface SocketListenRule extends SocketSelector {
  directory: string;
}

/** DEFAULT_CONTROL_DIRECTORY holds msb's per-container control-socket directories (short: sun_path has 108 bytes). */
export const DEFAULT_CONTROL_DIRECTORY = '/run/msb/sockets';

type PolicyFile = {
  isolation?: Partial<Policy['isolation']>;
  gvisor?: Partial<Policy['gvisor']>;
  dns?: Partial<Policy['dns']>;
  sockets?: Partial<Policy['sockets']>;
};

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
    },
    dns: { upstreams: file.dns?.upstreams ?? [], relay: file.dns?.relay ?? true, rateLimit: file.dns?.rateLimit ?? DEFAULT_RATE_LIMIT, cacheMs: file.dns?.cacheMs ?? DEFAULT_CACHE_MS },
    sockets: {
      connect: file.sockets?.connect ?? [],
      listen: file.sockets?.listen ?? [],
      control: file.sockets?.control ?? [],
      controlDirectory: file.sockets?.controlDirectory ?? DEFAULT_CONTROL_DIRECTORY,
    },
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
  return withDefaults(data as PolicyFile, source);
}

/**
 * loadPolicy reads the policy named by --policy or MSB_POLICY, else the default path. A named
 * file must exist; the default path may be absent, and then the built-in defaults apply.
 */
export function loadPolicy(
  named: string | undefined,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): Policy {
  const path = named ?? DEFAULT_POLICY_PATH;
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (named === undefined && code === 'ENOENT') return withDefaults({}, 'built-in defaults');
    throw new MsbError('invalid-policy', `cannot read policy ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  return parsePolicy(text, path);
}
