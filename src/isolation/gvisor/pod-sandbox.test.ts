import { describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { checkPodSandbox, runscStateFile } from './pod-sandbox.js';

function spec(annotations?: Record<string, string>): Spec {
  return { ociVersion: '1.0.2', root: { path: 'rootfs' }, ...(annotations ? { annotations } : {}) };
}

const ROOT = '/run/x/msb/runsc';

describe('checkPodSandbox', () => {
  const pod = (id: string): Spec => spec({ 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': id });

  it('lets a pod container join a sandbox runsc knows', () => {
    const asked: string[] = [];
    checkPodSandbox(pod('p1'), ROOT, (p) => (asked.push(p), true));
    expect(asked).toEqual([`${ROOT}/p1_sandbox:p1.state`]);
    expect(runscStateFile(ROOT, 'p1')).toBe(`${ROOT}/p1_sandbox:p1.state`);
  });

  it('refuses a sandbox that does not exist, before runsc could leave its lock file', () => {
    const err = thrownMsbError(() => checkPodSandbox(pod('gone'), ROOT, () => false), 'not-found');
    expect(err.message).toBe(
      `gvisor: annotation io.kubernetes.cri.sandbox-id names sandbox gone, which does not exist under ${ROOT}; create the pod's sandbox container first`,
    );
  });

  it.each(['', '../../etc', 'a/b', '.hidden'])('refuses the sandbox id %j without looking', (id) => {
    thrownMsbError(
      () =>
        checkPodSandbox(pod(id), ROOT, () => {
          throw new Error('looked');
        }),
      'invalid-spec',
    );
  });

  it('does nothing for a container with a sandbox of its own', () => {
    checkPodSandbox(spec(), ROOT, () => {
      throw new Error('looked');
    });
  });
});
