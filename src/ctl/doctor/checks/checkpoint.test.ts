import { describe, expect, it } from 'vitest';
import { fakeContext, fakeDocker } from '../fake-host.js';
import { checkpointCheck } from './checkpoint.js';

describe('checkpointCheck', () => {
  it.each([
    { name: 'experimental daemon', docker: fakeDocker({ experimental: true }), status: 'ok', summary: /runs with experimental features/, experimental: true },
    {
      name: 'plain daemon',
      docker: fakeDocker({ experimental: false }),
      status: 'skip',
      summary: /without experimental features: docker checkpoint .* unavailable/,
      experimental: false,
    },
    { name: 'no engine', docker: new Error('connect ENOENT'), status: 'skip', summary: /does not answer/, experimental: null },
  ])('$name → $status', async ({ docker, status, summary, experimental }) => {
    const r = await checkpointCheck.run(fakeContext({ docker }));
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(r.facts?.experimental).toBe(experimental);
  });
});
