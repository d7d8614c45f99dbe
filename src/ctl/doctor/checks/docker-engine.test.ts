import { describe, expect, it } from 'vitest';
import { fakeContext, fakeDocker } from '../fake-host.js';
import { dockerEngineCheck } from './docker-engine.js';

describe('dockerEngineCheck', () => {
  it.each([
    {
      name: 'an engine that answers',
      docker: fakeDocker(),
      status: 'ok',
      summary: /Docker 20\.10\.24 \(API 1\.41\) answers at unix:\/\/\/var\/run\/docker\.sock/,
    },
    { name: 'no engine', docker: new Error('connect ENOENT /var/run/docker.sock'), status: 'fail', summary: /does not answer: connect ENOENT/ },
  ])('$name → $status', async ({ docker, status, summary }) => {
    const r = await dockerEngineCheck.run(fakeContext({ docker }));
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(r.facts?.reachable).toBe(status === 'ok');
    if (status === 'fail') expect(r.fix).toMatch(/start dockerd/);
  });
});
