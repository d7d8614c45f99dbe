import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import type { KvmHostVerdict } from '../kvm-host.js';
import { checkKvmPlatform, requireKvmPlatform } from './kvm-platform.js';

const verdict =
  (kind: KvmHostVerdict['kind'], reason = `reason for ${kind}`): (() => KvmHostVerdict) =>
  () => ({ kind, reason, device: '/dev/kvm', kvmPvm: kind === 'kvm-pvm' });
const never = (): KvmHostVerdict => {
  throw new Error('the host must not be inspected for this platform');
};

describe('checkKvmPlatform', () => {
  it.each(['ptrace', 'systrap'])('does not look at KVM for platform %s', (platform) => {
    expect(checkKvmPlatform(platform, 'enforce', 'p.json', never)).toEqual({ proceed: true, note: '' });
  });

  it('lets kvm through on a usable host', () => {
    expect(checkKvmPlatform('kvm', 'enforce', 'p.json', verdict('usable', '/dev/kvm is usable (CPU flag vmx)'))).toEqual({
      proceed: true,
      note: 'gvisor: platform kvm: /dev/kvm is usable (CPU flag vmx)',
    });
  });

  it.each(['missing', 'inaccessible'] as const)('refuses kvm when /dev/kvm is %s, naming the reason and the policy switch', (kind) => {
    const d = checkKvmPlatform('kvm', 'enforce', '/etc/msb/policy.json', verdict(kind));
    expect(d.proceed).toBe(false);
    expect(d.note).toBe(
      `gvisor: platform kvm cannot run on this host: reason for ${kind}; set gvisor.platform to "auto" in /etc/msb/policy.json (or gvisor.kvmHostCheck to "warn" to try anyway)`,
    );
  });

  it('refuses kvm on the kvm-pvm device, saying what gVisor does there', () => {
    const d = checkKvmPlatform('kvm', 'enforce', 'p.json', verdict('kvm-pvm'));
    expect(d.proceed).toBe(false);
    expect(d.note).toContain("kvm-pvm device (no vmx/svm CPU flag): gVisor's kvm platform never finishes runsc create there");
  });

  it('with kvmHostCheck "warn" proceeds and says so', () => {
    const d = checkKvmPlatform('kvm', 'warn', 'p.json', verdict('kvm-pvm'));
    expect(d.proceed).toBe(true);
    expect(d.note).toMatch(/^gvisor: platform kvm on a host whose KVM cannot run it \(gvisor\.kvmHostCheck "warn", trying anyway\): /);
  });

  it('requireKvmPlatform throws a host-unsupported MsbError with one line', () => {
    const err = thrownMsbError(() => requireKvmPlatform('kvm', 'enforce', 'p.json', verdict('missing')), 'host-unsupported');
    expect(err.message).not.toContain('\n');
  });
});
