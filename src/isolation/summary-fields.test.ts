import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../base/record.js';
import { thrownMsbError } from '../../test/support/msb-error.js';
import { readGvisorSummary } from './gvisor/gvisor-summary.js';
import { readKrunSummary } from './krun/krun-summary.js';
import { checkSummaryFields } from './summary-fields.js';

const record = (backend: string, backendSummary: unknown): ContainerRecord =>
  ({ id: 'c1', backend, bundle: '/b', created: '', selection: [], backendSummary }) as ContainerRecord;

describe('checkSummaryFields', () => {
  it('passes the fields as named and leaves the others unchecked', () => {
    const s = { a: 'x', b: ['y'], n: 3, o: { k: 1 }, extra: [1, { z: null }] };
    expect(checkSummaryFields('gvisor', record('gvisor', s), s, { a: 'string', b: 'string[]', n: 'number', o: 'object', t: 'boolean?' })).toBe(s);
  });

  it.each<[string, unknown, string]>([
    ['a missing field', {}, 'backendSummary.a msb cannot read (a string expected, found nothing)'],
    ['a number for a string', { a: 1 }, 'backendSummary.a msb cannot read (a string expected, found 1)'],
    ['null for an optional field', { a: 'x', t: null }, 'backendSummary.t msb cannot read (a boolean expected, found null)'],
    ['a list holding a number', { a: 'x', b: ['y', 2] }, 'backendSummary.b msb cannot read (a list of strings expected, found ["y",2])'],
    ['a summary that is a list', ['a'], 'backendSummary msb cannot read (an object expected, found ["a"])'],
  ])('refuses %s, naming the container and the field', (_name, s, detail) => {
    const err = thrownMsbError(() => checkSummaryFields('gvisor', record('gvisor', s), s, { a: 'string', b: 'string[]?', t: 'boolean?' }), 'internal');
    expect(err.message).toBe(`gvisor: the record of container c1 has a ${detail}; was it written by another msb version?`);
  });
});

describe('readGvisorSummary', () => {
  const written = {
    runsc: '/usr/bin/runsc',
    runscArgs: ['--root', '/r'],
    runscVersion: 'release-20240807.0',
    platform: 'systrap',
    cgroup: { path: '/docker/c1', systemd: false },
    pids: { user: 20, host: 64 },
  };

  it('reads what prepare wrote, and a record of an older msb without cgroup and pids', () => {
    expect(readGvisorSummary(record('gvisor', written))).toEqual(written);
    expect(readGvisorSummary(record('gvisor', { runsc: '/usr/bin/runsc', runscArgs: [] }))).toEqual({ runsc: '/usr/bin/runsc', runscArgs: [] });
  });

  it('refuses another shape, and a record of another backend', () => {
    expect(thrownMsbError(() => readGvisorSummary(record('gvisor', { ...written, runscArgs: '--root /r' })), 'internal').message).toMatch(
      /^gvisor: the record of container c1 has a backendSummary\.runscArgs msb cannot read/,
    );
    expect(thrownMsbError(() => readGvisorSummary(record('gvisor', { ...written, pids: { user: '20' } })), 'internal').message).toMatch(
      /backendSummary\.pids\.user msb cannot read \(a number expected, found "20"\)/,
    );
    expect(thrownMsbError(() => readGvisorSummary(record('gvisor', { ...written, cgroup: { path: '/p' } })), 'internal').message).toMatch(
      /backendSummary\.cgroup\.systemd msb cannot read/,
    );
    expect(thrownMsbError(() => readGvisorSummary(record('krun', written)), 'internal').message).toBe('gvisor: container c1 runs under krun, not gvisor');
  });
});

describe('readKrunSummary', () => {
  const written = {
    msb: '/opt/msb/bin/msb',
    msbVersion: '0.6.18',
    runc: '/usr/sbin/runc',
    runcArgs: ['--root', '/r'],
    runcRoot: '/r',
    vm: { name: 'c-c1', resources: { memoryMiB: 416 } },
    vmmHeadroomMiB: 96,
    hostCheck: 'usable',
  };

  it('reads what prepare wrote', () => {
    expect(readKrunSummary(record('krun', written))).toEqual(written);
  });

  it("refuses a summary without the microVM's name or headroom, and a record of another backend", () => {
    expect(thrownMsbError(() => readKrunSummary(record('krun', { ...written, vm: {} })), 'internal').message).toMatch(
      /^krun: the record of container c1 has a backendSummary\.vm\.name msb cannot read/,
    );
    expect(thrownMsbError(() => readKrunSummary(record('krun', { ...written, vmmHeadroomMiB: undefined })), 'internal').message).toMatch(
      /backendSummary\.vmmHeadroomMiB msb cannot read \(a number expected, found nothing\)/,
    );
    expect(thrownMsbError(() => readKrunSummary(record('gvisor', written)), 'internal').message).toBe('krun: container c1 runs under gvisor, not krun');
  });
});
