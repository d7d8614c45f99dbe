import { describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { hostPidsLimit, rewritePidsLimit } from './pids-limit.js';

const spec = (pids?: number, rlimits?: unknown[]): Spec => ({
  ociVersion: '1.0.2',
  root: { path: '/r' },
  process: { args: ['sh'], ...(rlimits ? { rlimits } : {}) },
  linux: { cgroupsPath: '/docker/x', resources: { memory: { limit: 5 }, ...(pids !== undefined ? { pids: { limit: pids } } : {}) } },
});

describe('rewritePidsLimit', () => {
  it("gives the container RLIMIT_NPROC N and the host cgroup the sandbox's own tasks on top", () => {
    const r = rewritePidsLimit(spec(20, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }]));
    expect(r.userLimit).toBe(20);
    expect(r.hostLimit).toBe(hostPidsLimit(20));
    expect(hostPidsLimit(20)).toBe(20 + 64 + 200);
    expect(r.spec.process?.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 },
      { type: 'RLIMIT_NPROC', soft: 20, hard: 20 },
    ]);
    expect(r.spec.linux?.resources).toEqual({ memory: { limit: 5 }, pids: { limit: 284 } });
    expect(r.spec.linux?.cgroupsPath).toBe('/docker/x');
  });

  it('keeps a lower nproc ulimit the user set, and lowers a higher one', () => {
    expect(rewritePidsLimit(spec(20, [{ type: 'RLIMIT_NPROC', soft: 10, hard: 50 }])).spec.process?.rlimits).toEqual([
      { type: 'RLIMIT_NPROC', soft: 10, hard: 20 },
    ]);
  });

  it('leaves specs without a positive limit as they are (the same object)', () => {
    for (const s of [spec(), spec(0), spec(-1)]) expect(rewritePidsLimit(s).spec).toBe(s);
  });

  it('does not change its input', () => {
    const s = spec(20);
    const before = JSON.stringify(s);
    rewritePidsLimit(s);
    expect(JSON.stringify(s)).toBe(before);
  });
});
