import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import type { Spec } from '../../base/spec.js';
import { checkSysctls } from './sysctls.js';

const spec = (sysctl?: Record<string, string>): Spec => ({ ociVersion: '1.0.2', root: { path: '/r' }, linux: sysctl ? { sysctl } : {} });
const OLD = { raw: '0.0~20221219.0', date: 20221219 };
const NEW = { raw: 'release-20250401.0', date: 20250401 };

describe('checkSysctls', () => {
  it("accepts no sysctls and Docker's defaults, which are gVisor's behaviour", () => {
    expect(() => checkSysctls(spec(), OLD)).not.toThrow();
    expect(() => checkSysctls(spec({ 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0   2147483647' }), OLD)).not.toThrow();
  });

  it('refuses what the sandbox would ignore, naming each, in one line', () => {
    const err = thrownMsbError(
      () => checkSysctls(spec({ 'net.ipv4.ip_forward': '1', 'net.core.somaxconn': '1024', 'net.ipv4.ip_unprivileged_port_start': '1024' }), OLD),
      'unsupported',
    );
    expect(err.message).toBe(
      "gvisor: --sysctl net.ipv4.ip_forward=1, net.core.somaxconn=1024, net.ipv4.ip_unprivileged_port_start=1024 cannot be applied in the sandbox: runsc 0.0~20221219.0 does not set them and gVisor's /proc/sys is its own (docs/compatibility.md); remove the sysctl or run the container with --runtime=runc",
    );
  });

  it('accepts the keys a newer runsc applies itself, and only from that release', () => {
    expect(() => checkSysctls(spec({ 'fs.nr_open': '2048', 'net.ipv6.conf.all.disable_ipv6': '1' }), NEW)).not.toThrow();
    expect(thrownMsbError(() => checkSysctls(spec({ 'fs.nr_open': '2048' }), OLD), 'unsupported').message).toMatch(/fs\.nr_open=2048 cannot be applied/);
    expect(() => checkSysctls(spec({ 'fs.nr_open': '2048' }), { raw: 'unknown' })).toThrow();
  });
});
