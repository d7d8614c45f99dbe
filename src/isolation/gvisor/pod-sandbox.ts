import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { podSandboxOf } from '../pod-annotations.js';

/** runscStateFile is where runsc keeps a sandbox's state under its root (runsc/container/state_file.go). */
export function runscStateFile(runscRoot: string, sandboxId: string): string {
  return join(runscRoot, `${sandboxId}_sandbox:${sandboxId}.state`);
}

/**
 * checkPodSandbox refuses a pod container whose sandbox does not exist under msb's runsc root,
 * before runsc runs: runsc would fail too, but only after leaving `X_sandbox:X.lock` behind in
 * its root for every X it was given (measured with runsc 0.0~20221219).
 */
export function checkPodSandbox(spec: Spec, runscRoot: string, exists: (path: string) => boolean = existsSync): void {
  const pod = podSandboxOf(spec);
  if (!pod) return;
  if (pod.id === '')
    throw new MsbError('invalid-spec', `gvisor: a pod container (container-type "container") needs annotation ${pod.key}, naming the sandbox it joins`);
  if (!/^[\w+.-]+$/.test(pod.id) || pod.id.startsWith('.')) {
    throw new MsbError(
      'invalid-spec',
      `gvisor: annotation ${pod.key}=${JSON.stringify(pod.id)} is not a valid sandbox id (the container joins an existing sandbox)`,
    );
  }
  if (!exists(runscStateFile(runscRoot, pod.id))) {
    throw new MsbError(
      'not-found',
      `gvisor: annotation ${pod.key} names sandbox ${pod.id}, which does not exist under ${runscRoot}; create the pod's sandbox container first`,
    );
  }
}
