import type { Spec } from '../base/spec.js';

/**
 * The annotations that put a container into an existing sandbox (a Kubernetes pod): runsc's
 * (runsc/specutils), containerd's CRI and CRI-O spellings. Every backend reads them: gVisor joins
 * the pod's sandbox, krun refuses a second container in one pod.
 */
const CONTAINER_TYPE_KEYS = ['io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType'];
const SANDBOX_ID_KEYS = ['io.kubernetes.cri.sandbox-id', 'io.kubernetes.cri-o.SandboxID'];

/** podSandboxOf is the id of the sandbox a pod's container joins, or undefined for a container that gets its own sandbox. */
export function podSandboxOf(spec: Spec): { key: string; id: string } | undefined {
  const a = spec.annotations ?? {};
  const type = CONTAINER_TYPE_KEYS.map((k) => a[k]).find((v) => v !== undefined);
  if (type !== 'container') return undefined;
  for (const key of SANDBOX_ID_KEYS) {
    const id = a[key];
    if (id !== undefined) return { key, id };
  }
  return { key: SANDBOX_ID_KEYS[0] ?? '', id: '' };
}
