import type { Spec } from '../base/spec.js';

/** LIBNETWORK_HOOK is the argument Docker's network hook runs under (dockerd re-executed as libnetwork-setkey). */
export const LIBNETWORK_HOOK = 'libnetwork-setkey';

/**
 * hasNetworkHook says whether Docker sets the container's network up inside the runtime's
 * create: Docker up to 27 adds a prestart (or createRuntime) hook that runs libnetwork-setkey,
 * which configures the namespace and writes 127.0.0.11 into resolv.conf before create returns.
 * Docker 28 (moby#47406) has no such hook: it configures the namespace and rewrites resolv.conf
 * between the runtime's create and start, so msb finishes the container's DNS at start.
 */
export function hasNetworkHook(spec: Spec): boolean {
  const hooks = spec.hooks as Record<string, unknown> | undefined;
  if (!hooks || typeof hooks !== 'object') return false;
  return ['prestart', 'createRuntime'].some((phase) => {
    const list = hooks[phase];
    return (
      Array.isArray(list) &&
      list.some((h: unknown) => {
        const args = typeof h === 'object' && h !== null ? (h as { args?: unknown }).args : undefined;
        return Array.isArray(args) && args.includes(LIBNETWORK_HOOK);
      })
    );
  });
}
