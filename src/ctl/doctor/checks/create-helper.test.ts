import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { FAKE_CHECKOUT, fakeContext } from '../fake-host.js';
import { createHelperCheck } from './create-helper.js';

describe('createHelperCheck', () => {
  it('ok with the client built and no helper running: the next create starts one', () => {
    const r = createHelperCheck.run(fakeContext({})) as Finding;
    expect(r.status).toBe('ok');
    expect(r.summary).toBe('client built (build 0123456789abcdef); no helper runs now, the next create starts one');
    expect(r.facts).toEqual({ client: true, running: false, pid: null, build: '0123456789abcdef' });
  });

  it('warns without the client: every create starts Node, and says how to build it', () => {
    const r = createHelperCheck.run(
      fakeContext({ files: { [`${FAKE_CHECKOUT}/dist/create-helper.id`]: undefined, [`${FAKE_CHECKOUT}/dist/msb-create-client`]: undefined } }),
    ) as Finding;
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/^no create helper client in \/opt\/msb\/dist: every create starts Node/);
    expect(r.fix).toMatch(/apt-get install gcc libc6-dev\), then npm run build/);
  });

  it('skips when the policy turns the helper off', () => {
    const r = createHelperCheck.run(fakeContext({ files: { '/etc/msb/policy.json': JSON.stringify({ createHelper: { enabled: false } }) } })) as Finding;
    expect(r.status).toBe('skip');
    expect(r.facts).toEqual({ client: null, running: false });
  });
});
