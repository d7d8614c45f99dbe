import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { podSandboxOf } from '../pod-annotations.js';

/** PodMembers lists the pod sandbox ids of the other containers msb holds under one state root. */
export type PodMembers = () => { id: string; podSandbox: string | undefined }[];

/** podMembersOf reads each record's original config.json (as the caller wrote it) for its pod annotations. */
export function podMembersOf(containersDir: string, self: string): PodMembers {
  return () => {
    let ids: string[];
    try {
      ids = readdirSync(containersDir);
    } catch {
      return [];
    }
    return ids
      .filter((id) => id !== self)
      .map((id) => {
        try {
          const spec = JSON.parse(readFileSync(join(containersDir, id, 'config.orig.json'), 'utf8')) as Spec;
          return { id, podSandbox: podSandboxOf(spec)?.id };
        } catch {
          return { id, podSandbox: undefined }; // a record being created or deleted
        }
      });
  };
}

/**
 * refuseSecondPodContainer: krun runs one microVM per container, and two VMs in one pod share no
 * localhost (each has its own user-mode network stack inside the pod's namespace), so a pod
 * under krun may hold one container besides its pause container. A second one fails at create
 * with the reason, until the VM can hold several containers (gVisor's pods share one sandbox).
 */
export function refuseSecondPodContainer(spec: Spec, members: PodMembers): void {
  const pod = podSandboxOf(spec);
  if (!pod || pod.id === '') return;
  const other = members().find((m) => m.podSandbox === pod.id);
  if (other) {
    throw new MsbError(
      'unsupported',
      `krun: pod sandbox ${pod.id} already has container ${other.id}; a krun microVM holds one container, and containers in separate VMs would not share the pod's localhost. Run multi-container pods under gvisor (annotation io.msb.isolation=gvisor)`,
    );
  }
}
