import { describe, expect, it } from 'vitest';
import { fakeContext } from '../fake-host.js';
import { runscCheck } from './runsc.js';

describe('runscCheck', () => {
  it.each([
    { name: 'upstream release', spec: {}, status: 'ok', summary: '/usr/bin/runsc: runsc release-20240807.0 (released 2024-08-07)', date: 20240807 },
    {
      name: "Debian's 2022 build",
      spec: { commands: { '/usr/bin/runsc --version': 'runsc version 0.0~20221219.0\n' } },
      status: 'ok',
      summary: 'runsc 0.0~20221219.0 (released 2022-12-19)',
      date: 20221219,
    },
    { name: 'not on PATH', spec: { which: { runsc: undefined } }, status: 'fail', summary: 'runsc not found (policy gvisor.runsc="runsc")' },
    {
      name: '--version fails',
      spec: { commands: { '/usr/bin/runsc --version': { status: 1, stdout: '', stderr: 'boom\n' } } },
      status: 'fail',
      summary: '/usr/bin/runsc --version failed: boom',
    },
  ])('$name → $status', ({ spec, status, summary, date }) => {
    const r = runscCheck.run(fakeContext(spec)) as { status: string; summary: string; facts?: Record<string, unknown>; fix?: string };
    expect(r.status).toBe(status);
    expect(r.summary).toContain(summary);
    if (date) expect(r.facts?.releaseDate).toBe(date);
    if (status === 'fail') expect(r.fix).toMatch(/apt-get install runsc/);
  });
});
