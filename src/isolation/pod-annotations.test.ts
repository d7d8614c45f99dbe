import { describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { podSandboxOf } from './pod-annotations.js';

function spec(annotations?: Record<string, string>): Spec {
  return { ociVersion: '1.0.2', root: { path: 'rootfs' }, ...(annotations ? { annotations } : {}) };
}

describe('podSandboxOf', () => {
  it.each<[string, Record<string, string> | undefined, ReturnType<typeof podSandboxOf>]>([
    ['no annotations', undefined, undefined],
    ['a sandbox id alone (runsc then makes a sandbox of its own)', { 'io.kubernetes.cri.sandbox-id': 'p' }, undefined],
    ['the pod sandbox itself', { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': 'p' }, undefined],
    [
      'a containerd pod container',
      { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': 'p' },
      { key: 'io.kubernetes.cri.sandbox-id', id: 'p' },
    ],
    [
      'a CRI-O pod container',
      { 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.cri-o.SandboxID': 'q' },
      { key: 'io.kubernetes.cri-o.SandboxID', id: 'q' },
    ],
  ])('%s', (_name, annotations, expected) => {
    expect(podSandboxOf(spec(annotations))).toEqual(expected);
  });
});
