import { statSync } from 'node:fs';
import { MsbError } from '../base/errors.js';
import type { Spec } from '../base/spec.js';

/** inodeOf identifies a namespace file; injected in tests. */
export type InodeOf = (path: string) => string | undefined;

const realInodeOf: InodeOf = (path) => {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
};

/**
 * checkNetworkNamespace refuses containers that would share the host's network namespace
 * (`docker run --network host`, or a netns path that is the host's), for every backend: gVisor's
 * runsc would otherwise serve the host's interfaces from inside the sandbox (and with the
 * rmem_default workaround active, its own "root network namespace" guard would not stop it); a
 * microVM's network stack would run in the host's namespace. `backend` names the refusing backend.
 */
export function checkNetworkNamespace(spec: Spec, backend: string, inodeOf: InodeOf = realInodeOf): void {
  const entries = spec.linux?.namespaces?.filter((ns) => ns.type === 'network') ?? [];
  const netns = entries[0];
  if (!netns) {
    throw new MsbError(
      'forbidden',
      `${backend}: the container would share the host network namespace (--network host), which msb does not allow; use a Docker network`,
    );
  }
  // Which of two entries a runtime honours is not specified; refuse the question.
  if (entries.length > 1) throw new MsbError('invalid-spec', `${backend}: config.json linux.namespaces names the network namespace ${entries.length} times`);
  if (netns.path) {
    // msb runs in the host's netns (containerd's shims do); /proc/1 may be hidden from it.
    const host = [inodeOf('/proc/self/ns/net'), inodeOf('/proc/1/ns/net')].filter((i) => i !== undefined);
    const target = inodeOf(netns.path);
    // Fail closed: a path msb cannot stat is one it cannot tell from the host's (here /proc/1 is
    // EACCES even for root); runsc, run as the same user, would fail to open it anyway.
    if (target === undefined) {
      throw new MsbError(
        'invalid-spec',
        `${backend}: network namespace ${netns.path} does not exist or cannot be read, so msb cannot tell it is not the host's`,
      );
    }
    if (host.includes(target)) {
      throw new MsbError('forbidden', `${backend}: network namespace ${netns.path} is the host's, which msb does not allow; use a Docker network`);
    }
  }
}
