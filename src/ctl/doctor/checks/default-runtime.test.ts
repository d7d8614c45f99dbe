import { describe, expect, it } from 'vitest';
import { FAKE_RUNTIME, fakeContext, fakeDocker } from '../fake-host.js';
import { defaultRuntimeCheck } from './default-runtime.js';

const withDefault = (name: string): Record<string, string> => ({
  '/etc/docker/daemon.json': JSON.stringify({ 'default-runtime': name, runtimes: { msb: { path: FAKE_RUNTIME } } }),
});

describe('defaultRuntimeCheck', () => {
  it.each([
    { name: 'runc', spec: {}, status: 'ok', summary: /default runtime runc: containers run under msb only when they ask/, msb: false },
    {
      name: 'msb',
      spec: { files: withDefault('msb'), docker: fakeDocker({ defaultRuntime: 'msb' }) },
      status: 'ok',
      summary: /every container without --runtime runs sandboxed/,
      msb: true,
    },
    {
      name: 'not reloaded',
      spec: { files: withDefault('msb') },
      status: 'warn',
      summary: /dockerd runs with default runtime runc, but daemon.json says msb/,
      msb: false,
    },
    {
      name: 'msb at a missing path',
      spec: { files: withDefault('msb'), docker: fakeDocker({ defaultRuntime: 'msb', runtimes: { msb: { path: '/gone/shim/msb-runtime' } } }) },
      status: 'fail',
      summary: /does not exist: every container without --runtime fails/,
      msb: true,
    },
    { name: 'engine down', spec: { docker: new Error('down') }, status: 'skip', summary: /does not answer/, msb: undefined },
  ])('$name → $status', async ({ spec, status, summary, msb }) => {
    const r = await defaultRuntimeCheck.run(fakeContext(spec));
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(r.facts?.msb).toBe(msb);
  });
});
