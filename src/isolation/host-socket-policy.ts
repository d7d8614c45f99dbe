import { posix } from 'node:path';
import { MsbError } from '../base/errors.js';
import type { Policy, SocketSelector } from './policy.js';

/** SocketAccess is what a container may do with host Unix sockets: connect to them, or create them. */
export type SocketAccess = 'open' | 'create';

/**
 * ContainerIdentity is what socket rules select on. Annotations come from whoever runs the
 * container; the image only from sources the container's user cannot write (container-image.ts).
 */
export interface ContainerIdentity {
  annotations: Readonly<Record<string, string>>;
  image?: { reference?: string; id?: string };
}

/** BindMountFacts is one bind mount of the spec, with what the host says its source is. */
export interface BindMountFacts {
  destination: string;
  source: string;
  /** The source with symlinks resolved; policy paths are compared with this. */
  realSource: string;
  kind: 'socket' | 'directory' | 'other';
}

/** SocketGrant is one bind mount that needs host-socket access, and the rule that allows it. */
export interface SocketGrant {
  destination: string;
  source: string;
  access: SocketAccess;
  rule: string;
}

/** PermittedAccess names, per access, the first rule that lets this container have it. */
export interface PermittedAccess {
  open?: string;
  create?: string;
}

type SocketPolicy = Pick<Policy, 'source' | 'sockets'>;

const DOCKER_HUB_PREFIXES = ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/'];

function hasTagOrDigest(ref: string): boolean {
  return ref.includes('@') || ref.lastIndexOf(':') > ref.lastIndexOf('/');
}

/** normalizeImageReference drops Docker Hub's implicit prefixes and adds the implicit :latest. */
export function normalizeImageReference(ref: string): string {
  let r = ref;
  for (const prefix of DOCKER_HUB_PREFIXES) {
    if (r.startsWith(prefix)) {
      r = r.slice(prefix.length);
      break;
    }
  }
  return hasTagOrDigest(r) ? r : `${r}:latest`;
}

function repositoryOf(normalized: string): string {
  const noDigest = normalized.split('@')[0] ?? normalized;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/**
 * imageMatches: `sha256:…` matches the image id (a prefix of at least 12 hex digits will do),
 * `repo:tag` or `repo@digest` the exact reference, and a bare repository any tag of it.
 */
export function imageMatches(wanted: string, image: ContainerIdentity['image']): boolean {
  if (wanted.startsWith('sha256:')) return image?.id !== undefined && wanted.length >= 19 && image.id.startsWith(wanted);
  if (image?.reference === undefined) return false;
  const have = normalizeImageReference(image.reference);
  if (hasTagOrDigest(wanted)) return normalizeImageReference(wanted) === have;
  return repositoryOf(normalizeImageReference(wanted)) === repositoryOf(have);
}

/** selectorMismatch says why a rule's selector does not match the container, or undefined if it does. */
export function selectorMismatch(selector: SocketSelector, identity: ContainerIdentity): string | undefined {
  const why: string[] = [];
  if (selector.annotation !== undefined) {
    const eq = selector.annotation.indexOf('=');
    const key = eq < 0 ? selector.annotation : selector.annotation.slice(0, eq);
    const value = identity.annotations[key];
    const ok = eq < 0 ? value !== undefined : value === selector.annotation.slice(eq + 1);
    if (!ok) why.push(`annotation ${selector.annotation}`);
  }
  if (selector.image !== undefined && !imageMatches(selector.image, identity.image)) {
    why.push(`image ${selector.image} (this container: ${identity.image?.reference ?? 'image unknown'})`);
  }
  return why.length === 0 ? undefined : `only to containers with ${why.join(' and ')}`;
}

function isWithin(path: string, directory: string): boolean {
  const dir = posix.normalize(directory).replace(/\/+$/, '') || '/';
  const p = posix.normalize(path);
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

interface Candidate {
  rule: string;
  selector: SocketSelector;
}

/** firstMatch picks the first candidate rule whose selector matches; else the reason to quote. */
function firstMatch(candidates: Candidate[], identity: ContainerIdentity): { rule: string } | { denied: string } {
  for (const c of candidates) if (selectorMismatch(c.selector, identity) === undefined) return { rule: c.rule };
  const first = candidates[0];
  if (!first) return { denied: 'none' };
  return { denied: `${first.rule} grants it ${selectorMismatch(first.selector, identity) ?? ''}`.trim() };
}

function forbidden(backend: string, what: string, policy: SocketPolicy, reason: string): MsbError {
  return new MsbError('forbidden', `${backend}: ${what} is not allowed: policy ${policy.source} ${reason}`);
}

/**
 * decideSocketMounts finds the bind mounts that need host-socket access and the rule allowing
 * each: a mounted socket needs a sockets.connect rule for its path; a directory at or below a
 * sockets.listen directory is a socket directory and needs that rule to match the container.
 * Anything else is an ordinary mount. A socket mount no rule allows fails, naming the rule.
 */
export function decideSocketMounts(policy: SocketPolicy, mounts: readonly BindMountFacts[], identity: ContainerIdentity, backend: string): SocketGrant[] {
  const grants: SocketGrant[] = [];
  for (const m of mounts) {
    if (m.kind === 'socket') {
      const candidates = policy.sockets.connect.flatMap((r, i) =>
        posix.normalize(r.path) === m.realSource || r.path === m.source ? [{ rule: `sockets.connect[${i}]`, selector: r }] : [],
      );
      const found = firstMatch(candidates, identity);
      const what = `bind mount of socket ${m.source} at ${m.destination}`;
      if ('denied' in found) {
        throw forbidden(backend, what, policy, found.denied === 'none' ? `sockets.connect has no rule for ${m.realSource}` : found.denied);
      }
      grants.push({ destination: m.destination, source: m.source, access: 'open', rule: found.rule });
    } else if (m.kind === 'directory') {
      const candidates = policy.sockets.listen.flatMap((r, i) => (isWithin(m.realSource, r.directory) ? [{ rule: `sockets.listen[${i}]`, selector: r }] : []));
      if (candidates.length === 0) continue;
      const found = firstMatch(candidates, identity);
      if ('denied' in found) throw forbidden(backend, `bind mount of socket directory ${m.source} at ${m.destination}`, policy, found.denied);
      grants.push({ destination: m.destination, source: m.source, access: 'create', rule: found.rule });
    }
  }
  return grants;
}

/** decideControlSockets checks that policy sockets.control lets this container declare control sockets. */
export function decideControlSockets(
  policy: SocketPolicy,
  paths: readonly string[],
  identity: ContainerIdentity,
  backend: string,
  annotation: string,
): string | undefined {
  if (paths.length === 0) return undefined;
  const found = firstMatch(
    policy.sockets.control.map((selector, i) => ({ rule: `sockets.control[${i}]`, selector })),
    identity,
  );
  if ('denied' in found) {
    const reason = found.denied === 'none' ? 'sockets.control has no rule (no container may declare control sockets)' : found.denied;
    throw forbidden(backend, `control socket ${paths.join(', ')} (annotation ${annotation})`, policy, reason);
  }
  return found.rule;
}

/**
 * permittedAccess is the most this container may be given, whatever it mounts: open if a
 * sockets.connect rule selects it, create if a sockets.listen or sockets.control rule does.
 * It bounds per-container requests such as the dev.gvisor.flag.host-uds annotation.
 */
export function permittedAccess(policy: SocketPolicy, identity: ContainerIdentity): PermittedAccess {
  const pick = (candidates: Candidate[]): string | undefined => {
    const found = firstMatch(candidates, identity);
    return 'rule' in found ? found.rule : undefined;
  };
  return {
    open: pick(policy.sockets.connect.map((r, i) => ({ rule: `sockets.connect[${i}]`, selector: r }))),
    create: pick([
      ...policy.sockets.listen.map((r, i) => ({ rule: `sockets.listen[${i}]`, selector: r })),
      ...policy.sockets.control.map((r, i) => ({ rule: `sockets.control[${i}]`, selector: r })),
    ]),
  };
}
