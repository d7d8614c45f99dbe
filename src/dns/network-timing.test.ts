import { describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { hasNetworkHook } from './network-timing.js';

const base: Spec = { ociVersion: '1.0.2', root: { path: 'rootfs' } };
const setkey = { path: '/proc/3369/exe', args: ['libnetwork-setkey', '-exec-root=/var/run/docker', 'abc', 'def'] };

describe('hasNetworkHook', () => {
  it("finds Docker ≤ 27's libnetwork-setkey prestart hook", () => {
    expect(hasNetworkHook({ ...base, hooks: { prestart: [setkey] } })).toBe(true);
  });
  it('finds it as a createRuntime hook too', () => {
    expect(hasNetworkHook({ ...base, hooks: { createRuntime: [setkey] } })).toBe(true);
  });
  it('is false for Docker 28 (no hooks), other hooks, and malformed hook lists', () => {
    expect(hasNetworkHook(base)).toBe(false);
    expect(hasNetworkHook({ ...base, hooks: { prestart: [{ path: '/usr/bin/nvidia-container-runtime-hook', args: ['prestart'] }] } })).toBe(false);
    expect(hasNetworkHook({ ...base, hooks: { poststart: [setkey] } })).toBe(false);
    expect(hasNetworkHook({ ...base, hooks: { prestart: 'x' } })).toBe(false);
    expect(hasNetworkHook({ ...base, hooks: { prestart: [null, { path: '/x' }] } })).toBe(false);
  });
});
