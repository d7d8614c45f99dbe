import { describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { checkNetworkNamespaceUnserved, usersOfNetns } from './shared-network.js';

const spec = (path?: string): Spec => ({
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  linux: { namespaces: [{ type: 'network', ...(path ? { path } : {}) }] },
});

describe('checkNetworkNamespaceUnserved', () => {
  it('refuses a namespace a sandbox already serves (docker run --network container:NAME), naming it', () => {
    const err = thrownMsbError(() => checkNetworkNamespaceUnserved(spec('/proc/42/ns/net'), () => [{ pid: 42, comm: 'exe' }]), 'unsupported');
    expect(err.message).toMatch(
      /^gvisor: network namespace \/proc\/42\/ns\/net is already used by process 42 \(exe\), a gVisor sandbox; msb does not start a second sandbox/,
    );
  });

  it('refuses a namespace a runc container lives in', () => {
    const err = thrownMsbError(() => checkNetworkNamespaceUnserved(spec('/proc/7/ns/net'), () => [{ pid: 7, comm: 'nginx' }]), 'unsupported');
    expect(err.message).toContain('used by process 7 (nginx);');
  });

  it('lets an empty namespace (CNI pod namespace) and a new one through', () => {
    checkNetworkNamespaceUnserved(spec('/var/run/netns/cni-1'), () => []);
    checkNetworkNamespaceUnserved(spec(), () => {
      throw new Error('looked');
    });
  });

  it('finds this test runner among the users of its own namespace (real /proc)', () => {
    const users = usersOfNetns(`/proc/${process.ppid}/ns/net`);
    expect(users.map((u) => u.pid)).toContain(process.ppid);
  });
});
