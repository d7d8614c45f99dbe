import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { podMembersOf, refuseSecondPodContainer } from './pod-refusal.js';

const member = (sandbox: string): Spec => ({
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  annotations: { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': sandbox },
});
const pause: Spec = {
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  annotations: { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': 'p1' },
};

describe('refuseSecondPodContainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msb-krun-pod-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const record = (id: string, spec: Spec | string): void => {
    mkdirSync(join(dir, id));
    writeFileSync(join(dir, id, 'config.orig.json'), typeof spec === 'string' ? spec : JSON.stringify(spec));
  };
  record('p1', pause);
  record('half-written', '{');
  record('other-pod-app', member('p2'));

  it('lets the first container of a pod (and the pause container) through', () => {
    refuseSecondPodContainer(member('p1'), podMembersOf(dir, 'app1'));
    refuseSecondPodContainer(pause, () => {
      throw new Error('looked');
    });
  });

  it('refuses a second container of the same pod, naming the first', () => {
    record('app1', member('p1'));
    const err = thrownMsbError(() => refuseSecondPodContainer(member('p1'), podMembersOf(dir, 'app2')), 'unsupported');
    expect(err.message).toMatch(/^krun: pod sandbox p1 already has container app1; a krun microVM holds one container/);
  });

  it('does not count the container itself', () => {
    refuseSecondPodContainer(member('p1'), podMembersOf(dir, 'app1'));
  });
});
