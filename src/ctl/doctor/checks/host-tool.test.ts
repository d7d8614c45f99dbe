import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { runcCheck, tiniCheck } from './host-tool.js';

describe('tiniCheck and runcCheck', () => {
  it.each([
    { check: tiniCheck, name: 'tini found', spec: {}, status: 'ok', summary: '/usr/bin/tini: tini version 0.19.0' },
    { check: runcCheck, name: 'runc found', spec: {}, status: 'ok', summary: '/usr/sbin/runc: runc version 1.1.5' },
    {
      check: tiniCheck,
      name: 'tini missing',
      spec: { which: { tini: undefined } },
      status: 'warn',
      summary: 'tini not found on PATH: microVM containers need it as PID 1',
    },
    {
      check: runcCheck,
      name: 'runc missing, krun default',
      spec: { which: { runc: undefined }, files: { '/etc/msb/policy.json': '{"isolation":{"default":"krun"}}' } },
      status: 'fail',
      summary: 'runc not found on PATH',
    },
    {
      check: tiniCheck,
      name: 'tini missing, krun not allowed',
      spec: { which: { tini: undefined }, files: { '/etc/msb/policy.json': '{"isolation":{"allowed":["gvisor"]}}' } },
      status: 'skip',
      summary: 'policy does not allow krun',
    },
    {
      check: runcCheck,
      name: 'runc --version fails',
      spec: { commands: { '/usr/sbin/runc --version': { status: 2, stdout: '', stderr: '' } } },
      status: 'warn',
      summary: '/usr/sbin/runc --version fails: exit 2',
    },
  ])('$name → $status', ({ check, spec, status, summary }) => {
    const r = check.run(fakeContext(spec)) as Finding;
    expect(r.status).toBe(status);
    expect(r.summary).toContain(summary);
    if (status === 'warn' || status === 'fail') expect(r.fix).toMatch(/apt-get install (tini|runc)/);
  });
});
