import { describe, expect, it } from 'vitest';
import { fakeFleet, inspectDoc } from '../../../test/support/fake-fleet-docker.js';
import { readSandboxRecord, runtimeKind } from '../fleet/runtime-kind.js';
import { fleetAudit } from './fleet-audit.js';

const engine = {
  defaultRuntime: 'runc',
  runtimes: {
    runc: { path: 'runc' },
    msb: { path: '/opt/msb/shim/msb-runtime' },
    'msb-krun': { path: '/opt/msb/shim/msb-runtime', runtimeArgs: ['--isolation=krun'] },
  },
};

describe('runtimeKind', () => {
  it.each([
    ['runc', { name: 'runc', fromDefault: false, msb: false }],
    ['', { name: 'runc', fromDefault: true, msb: false }],
    ['msb', { name: 'msb', fromDefault: false, msb: true }],
    ['msb-krun', { name: 'msb-krun', fromDefault: false, msb: true, isolation: 'krun' }],
    ['gone', { name: 'gone', fromDefault: false, msb: false }],
  ])('resolves %j', (runtime, kind) => {
    expect(runtimeKind(runtime, engine)).toEqual(kind);
  });

  it('resolves an empty runtime to an msb default runtime', () => {
    expect(runtimeKind(undefined, { ...engine, defaultRuntime: 'msb' })).toMatchObject({ name: 'msb', fromDefault: true, msb: true });
  });
});

describe('readSandboxRecord', () => {
  it("reads the backend and its platform from msb's record, and nothing from a missing one", () => {
    const record = JSON.stringify({ backend: 'gvisor', backendSummary: { platform: 'ptrace', runscVersion: '0.0~20221219.0' } });
    expect(readSandboxRecord('/r', 'abc', (p) => (p === '/r/msb/containers/abc/record.json' ? record : ''))).toEqual({
      backend: 'gvisor',
      detail: 'platform ptrace, runsc 0.0~20221219.0',
    });
    expect(
      readSandboxRecord('/r', 'abc', () => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });
});

describe('msbctl fleet audit', () => {
  const containers = [
    inspectDoc('web', { HostConfig: { Runtime: 'msb' } }),
    inspectDoc('db', { HostConfig: { Runtime: 'runc' } }),
    inspectDoc('cache', { HostConfig: { Runtime: '' } }),
  ];
  const run = async (flags: { json?: boolean; check?: boolean }) => {
    const out: string[] = [];
    const docker = fakeFleet(containers, engine);
    const error = await fleetAudit(
      { json: false, check: false, root: '/r', ...flags },
      { docker, out: (l) => void out.push(l), readRecord: () => ({ backend: 'gvisor', detail: 'platform ptrace' }) },
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    return { out, error };
  };

  it('prints a table sorted by name with the default runtime resolved and a summary', async () => {
    const { out, error } = await run({});
    expect(error).toBeUndefined();
    expect(out[0]).toMatch(/^NAME\s+IMAGE\s+RUNTIME\s+SANDBOX\s+STATUS$/);
    expect(out.slice(1, 4).map((l) => l.split(/\s{2,}/))).toEqual([
      ['cache', 'local/busybox', 'runc (engine default)', '-', 'UNSANDBOXED'],
      ['db', 'local/busybox', 'runc', '-', 'UNSANDBOXED'],
      ['web', 'local/busybox', 'msb', 'gvisor (platform ptrace)', 'sandboxed'],
    ]);
    expect(out[4]).toBe('3 running, 1 under msb, 2 outside: move them with `msbctl fleet migrate NAME…`');
  });

  it('--json prints the rows, and --check fails naming the containers outside msb', async () => {
    const { out } = await run({ json: true });
    expect((JSON.parse(out.join('\n')) as object[])[2]).toMatchObject({
      name: 'web',
      runtime: 'msb',
      defaultRuntime: false,
      sandboxed: true,
      sandbox: 'gvisor (platform ptrace)',
    });
    expect((await run({ check: true })).error?.message).toBe('check failed: 2 of 3 running container(s) outside msb: cache, db');
  });
});
