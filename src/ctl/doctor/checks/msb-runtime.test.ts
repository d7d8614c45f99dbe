import { describe, expect, it } from 'vitest';
import { FAKE_RUNTIME, fakeContext, fakeDocker } from '../fake-host.js';
import { collectRuntimeNames, msbRuntimeCheck } from './msb-runtime.js';

const OTHER = '/srv/other/shim/msb-runtime';
const daemon = (runtimes: Record<string, unknown>): Record<string, string> => ({ '/etc/docker/daemon.json': JSON.stringify({ runtimes }) });

describe('msbRuntimeCheck', () => {
  it.each([
    { name: 'msb from this checkout, loaded', spec: {}, status: 'ok', summary: `msb → ${FAKE_RUNTIME}` },
    {
      name: 'nothing points at msb-runtime',
      spec: { files: daemon({}), docker: fakeDocker({ runtimes: { runc: { path: 'runc' } } }) },
      status: 'fail',
      summary: /no runtime name points at msb-runtime/,
      fix: /shim\/msbctl install/,
    },
    {
      name: 'a name whose path is gone',
      spec: { files: daemon({ msb: { path: '/gone/shim/msb-runtime' } }), docker: fakeDocker({ runtimes: { msb: { path: '/gone/shim/msb-runtime' } } }) },
      status: 'fail',
      detail: /msb → \/gone\/shim\/msb-runtime: MISSING/,
    },
    {
      name: 'another checkout',
      spec: {
        paths: [OTHER],
        commands: { [`${OTHER} --version`]: 'commit: msb-0.1.0-def\n' },
        files: daemon({ msb: { path: OTHER } }),
        docker: fakeDocker({ runtimes: { msb: { path: OTHER } } }),
      },
      status: 'warn',
      summary: /1 of 1 from another checkout/,
      detail: /msb-0\.1\.0-def; another checkout than this msbctl's \(\/opt\/msb\)/,
    },
    {
      name: 'in daemon.json, not yet loaded by dockerd',
      spec: { files: daemon({ msb: { path: FAKE_RUNTIME }, 'msb-krun': { path: FAKE_RUNTIME, runtimeArgs: ['--isolation=krun'] } }) },
      status: 'warn',
      detail: /msb-krun → \/opt\/msb\/shim\/msb-runtime: .*in daemon\.json but not loaded by dockerd/,
      fix: /kill -HUP/,
    },
    {
      name: 'loaded by dockerd, gone from daemon.json',
      spec: { files: daemon({}) },
      status: 'warn',
      detail: /no longer in daemon\.json/,
    },
    {
      name: 'an --isolation this build cannot run',
      spec: {
        files: daemon({ msb: { path: FAKE_RUNTIME, runtimeArgs: ['--isolation=kata'] } }),
        docker: fakeDocker({ runtimes: { msb: { path: FAKE_RUNTIME, runtimeArgs: ['--isolation=kata'] } } }),
      },
      status: 'warn',
      summary: /^msb \(--isolation=kata\) → /,
      detail: /create fails: unknown isolation "kata" \(from runtime argument --isolation\); known: gvisor, krun/,
    },
    {
      name: 'an --isolation the policy does not allow',
      spec: {
        files: {
          ...daemon({ msb: { path: FAKE_RUNTIME, runtimeArgs: ['--isolation=gvisor'] } }),
          '/etc/msb/policy.json': '{"isolation":{"allowRuntimeArgs":false}}',
        },
        docker: fakeDocker({ runtimes: { msb: { path: FAKE_RUNTIME, runtimeArgs: ['--isolation=gvisor'] } } }),
      },
      status: 'warn',
      detail: /create fails: runtime argument --isolation=gvisor is not allowed by policy/,
    },
    {
      name: 'engine down: daemon.json alone',
      spec: { docker: new Error('down') },
      status: 'ok',
      detail: /engine: not reachable/,
    },
    {
      name: 'a symlink to msb-runtime counts, a wrapper script does not',
      spec: {
        symlinks: { '/usr/local/bin/msb': FAKE_RUNTIME },
        paths: ['/opt/wrap.sh'],
        files: daemon({ 'msb-link': { path: '/usr/local/bin/msb' }, 'msb-wrap': { path: '/opt/wrap.sh' } }),
        docker: fakeDocker({ runtimes: { 'msb-link': { path: '/usr/local/bin/msb' }, 'msb-wrap': { path: '/opt/wrap.sh' } } }),
      },
      status: 'ok',
      names: 'msb-link',
    },
  ])('$name → $status', async ({ spec, status, summary, detail, fix, names }) => {
    const r = await msbRuntimeCheck.run(fakeContext(spec));
    expect(r.status).toBe(status);
    if (summary) expect(r.summary).toMatch(summary);
    if (detail) expect(r.detail).toMatch(detail);
    if (fix) expect(r.fix).toMatch(fix);
    if (names) expect(r.facts?.names).toBe(names);
    if (status !== 'ok') expect(r.fix).toBeTruthy();
  });

  it('merges daemon.json and engine names', () => {
    expect(
      collectRuntimeNames(
        { b: { path: '/b', runtimeArgs: ['--isolation=gvisor'] }, a: { path: '/a1' } },
        { a: { path: '/a2', runtimeArgs: ['--x'] }, c: { path: '/c', runtimeArgs: ['--y'] } },
      ),
    ).toEqual([
      { name: 'a', filePath: '/a1', enginePath: '/a2', args: [] },
      { name: 'b', filePath: '/b', args: ['--isolation=gvisor'] },
      { name: 'c', enginePath: '/c', args: ['--y'] },
    ]);
  });
});
