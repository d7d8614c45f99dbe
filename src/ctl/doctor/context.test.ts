import { describe, expect, it } from 'vitest';
import { createDoctorContext } from './context.js';
import { fakeHost } from './fake-host.js';

describe('createDoctorContext', () => {
  it('reads the policy named by $MSB_POLICY when --policy is not given', () => {
    const host = fakeHost({ files: { '/srv/p.json': '{"isolation":{"default":"krun"}}' } });
    const ctx = createDoctorContext(host, {}, { MSB_POLICY: '/srv/p.json' });
    expect(ctx.policy()).toMatchObject({ path: '/srv/p.json', policy: { source: '/srv/p.json', isolation: { default: 'krun' } } });
  });

  it('falls back to the defaults, with the error, when the policy does not load', () => {
    const ctx = createDoctorContext(fakeHost({ files: { '/etc/msb/policy.json': '{' } }), {}, {});
    expect(ctx.policy().policy.source).toBe('built-in defaults');
    expect(ctx.policy().error).toMatch(/malformed JSON/);
  });

  it.each([
    { name: 'missing', files: { '/etc/docker/daemon.json': undefined }, error: '/etc/docker/daemon.json does not exist' },
    { name: 'malformed', files: { '/etc/docker/daemon.json': '{"runtimes": []}' }, error: '"runtimes" must be a JSON object, not an array' },
  ])('reports a $name daemon.json instead of throwing', ({ files, error }) => {
    const facts = createDoctorContext(fakeHost({ files }), {}, {}).daemonJson();
    expect(facts.config).toBeUndefined();
    expect(facts.error).toContain(error);
  });

  it('probes runsc once for all the checks that need it', () => {
    const host = fakeHost();
    const ctx = createDoctorContext(host, {}, {});
    ctx.runsc();
    ctx.runsc();
    expect(host.ran.filter((c) => c === '/usr/bin/runsc --version')).toHaveLength(1);
  });
});
