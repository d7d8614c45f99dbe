import type { Spec } from '../base/spec.js';
import { LIBNETWORK_HOOK } from './network-timing.js';

/** NETWORK_SNAPSHOT_DIR, in a restored container's record directory, holds its netns's fib_trie and route as Docker set them up. */
export const NETWORK_SNAPSHOT_DIR = 'net-at-restore';

/** NETWORK_SNAPSHOT_HOOK_ARG0 names msb's snapshot hook in config.json (argv[0] of its sh). */
export const NETWORK_SNAPSHOT_HOOK_ARG0 = 'msb-network-snapshot';

// The hook gets the OCI state JSON on stdin; "pid" is the sandbox's, which sits in the netns Docker
// configured. It copies the two /proc files the relay registration reads, and never fails: a failed
// hook would fail the restore, and without the copy the container only loses name resolution.
const SCRIPT = [
  'pid=$(tr -d "\\n" | sed -n "s/.*\\"pid\\": *\\([0-9][0-9]*\\).*/\\1/p")',
  '[ -n "$pid" ] || exit 0',
  'mkdir -p "$1" && cat "/proc/$pid/net/fib_trie" >"$1/fib_trie" && cat "/proc/$pid/net/route" >"$1/route"',
  'exit 0',
].join('\n');

type Hook = { path: string; args?: string[]; env?: string[]; timeout?: number };

function hasSetkey(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.some((h: unknown) => {
      const args = typeof h === 'object' && h !== null ? (h as { args?: unknown }).args : undefined;
      return Array.isArray(args) && args.includes(LIBNETWORK_HOOK);
    })
  );
}

/**
 * addNetworkSnapshotHook makes a restore record the container's network as Docker set it up. runsc
 * restore creates and starts the sandbox in one call, and starting moves the netns's addresses
 * into gVisor's netstack (the host side keeps none), so after `runsc restore` msb finds no address
 * to register with the DNS relay. Docker's libnetwork-setkey hook configures the netns inside that
 * call; a hook appended after it, in the same phase, copies /proc/<pid>/net/{fib_trie,route} to
 * `dir` before runsc moves them. Pure and lossless: every other field and hook is kept.
 */
export function addNetworkSnapshotHook(spec: Spec, dir: string): Spec {
  const hooks = (spec.hooks ?? {}) as Record<string, unknown>;
  const phase = hasSetkey(hooks.createRuntime) && !hasSetkey(hooks.prestart) ? 'createRuntime' : 'prestart';
  const existing = Array.isArray(hooks[phase]) ? (hooks[phase] as unknown[]) : [];
  const hook: Hook = {
    path: '/bin/sh',
    args: [NETWORK_SNAPSHOT_HOOK_ARG0, '-c', SCRIPT, NETWORK_SNAPSHOT_HOOK_ARG0, dir],
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
    timeout: 10,
  };
  return { ...spec, hooks: { ...hooks, [phase]: [...existing, hook] } };
}
