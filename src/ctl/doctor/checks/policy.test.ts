import { describe, expect, it } from 'vitest';
import { fakeContext } from '../fake-host.js';
import { policyCheck } from './policy.js';

describe('policyCheck', () => {
  it.each([
    { name: 'no policy file', spec: {}, options: {}, status: 'ok', summary: /^built-in defaults: default isolation gvisor/ },
    {
      name: 'a valid file',
      spec: { files: { '/p.json': '{"isolation":{"allowAnnotation":false}}' } },
      options: { policy: '/p.json' },
      status: 'ok',
      summary: /^\/p\.json: default isolation gvisor/,
    },
    {
      name: 'an unknown default sandbox',
      spec: { files: { '/p.json': '{"isolation":{"default":"kata"}}' } },
      options: { policy: '/p.json' },
      status: 'fail',
      summary: /every container that names no sandbox fails create: unknown isolation "kata"/,
    },
    {
      name: 'a default the policy does not allow',
      spec: { files: { '/p.json': '{"isolation":{"allowed":["krun"]}}' } },
      options: { policy: '/p.json' },
      status: 'fail',
      summary: /isolation "gvisor" \(from policy default .*\) is not allowed by policy/,
    },
    {
      name: 'an unknown key',
      spec: { files: { '/etc/msb/policy.json': '{"isolaton":{}}' } },
      options: {},
      status: 'fail',
      summary: /every create fails: policy \/etc\/msb\/policy\.json/,
    },
    {
      name: 'a named file that is missing',
      spec: {},
      options: { policy: '/nope.json' },
      status: 'fail',
      summary: /cannot read policy \/nope\.json: no such file or directory \(ENOENT\)/,
    },
  ])('$name → $status', ({ spec, options, status, summary }) => {
    const r = policyCheck.run(fakeContext(spec, options)) as Awaited<ReturnType<typeof policyCheck.run>>;
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
  });
});
