import { describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { parseBytes, readUpdateResources } from './update-flags.js';

describe('parseBytes', () => {
  it.each([
    ['256m', 268435456],
    ['1g', 1073741824],
    ['512', 512],
    ['-1', -1],
    ['1.5k', 1536],
    ['64MiB', 67108864],
  ])('%s is %d bytes', (text, want) => expect(parseBytes('memory', text)).toBe(want));

  it('refuses anything else', () => {
    expect(thrownMsbError(() => parseBytes('memory', 'lots'), 'invalid-argument').message).toBe('update: invalid value for --memory: "lots"');
  });
});

describe('readUpdateResources', () => {
  it("reads --resources JSON from stdin (-) or a file, and lays runc's flags on top", () => {
    const read = (p: string | 0): string => (p === 0 ? '{"memory":{"limit":1,"swap":2},"cpu":{"quota":5}}' : '{"pids":{"limit":7}}');
    expect(readUpdateResources({ resources: '-', memory: '256m', 'cpu-period': '100000' }, read)).toEqual({
      memory: { limit: 268435456, swap: 2 },
      cpu: { quota: 5, period: 100000 },
    });
    expect(readUpdateResources({ resources: '/f' }, read)).toEqual({ pids: { limit: 7 } });
    expect(readUpdateResources({ 'pids-limit': '20', 'blkio-weight': '300' })).toEqual({ pids: { limit: 20 }, blockIO: { weight: 300 } });
  });

  it('refuses malformed JSON and the flags msb cannot apply', () => {
    expect(thrownMsbError(() => readUpdateResources({ resources: '-' }, () => 'nope'), 'invalid-argument').message).toMatch(
      /^update: --resources \(stdin\) is not JSON/,
    );
    expect(thrownMsbError(() => readUpdateResources({ resources: '-' }, () => '[]'), 'invalid-argument').message).toMatch(/JSON object/);
    expect(thrownMsbError(() => readUpdateResources({ 'kernel-memory': '1m' }), 'unsupported').message).toBe('update: --kernel-memory is not supported by msb');
  });
});
