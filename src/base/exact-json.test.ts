import { describe, expect, it } from 'vitest';
import { exactUint64, restoreIntegerLiterals, stringifySpec, unsafeIntegerLiterals } from './exact-json.js';

const DOCKER_UNLIMITED =
  '{"process":{"rlimits":[{"type":"RLIMIT_MEMLOCK","hard":18446744073709551615,"soft":18446744073709551615}],"args":["echo","18446744073709552000"]},"n":-9007199254740993,"f":1.5e300}';

describe('exact integers in config.json', () => {
  it('finds the integer literals a number cannot hold, outside strings', () => {
    expect([...unsafeIntegerLiterals(DOCKER_UNLIMITED)]).toEqual([
      ['18446744073709552000', '18446744073709551615'],
      ['-9007199254740992', '-9007199254740993'],
    ]);
    expect(unsafeIntegerLiterals('{"a":"18446744073709551615","b":[1,2,3]}').size).toBe(0);
  });

  it('writes a parsed and rewritten spec back with Docker\'s uint64 "unlimited" exact and strings untouched', () => {
    const spec = JSON.parse(DOCKER_UNLIMITED) as { hostname?: string };
    const text = stringifySpec({ ...spec, hostname: 'x' }, DOCKER_UNLIMITED);
    expect(text).toContain('"hard":18446744073709551615,"soft":18446744073709551615');
    expect(text).toContain('"args":["echo","18446744073709552000"]');
    expect(text).toContain('"n":-9007199254740993');
    expect(text).toContain('"f":1.5e+300');
    expect(text).toContain('"hostname":"x"');
  });

  it('leaves text without big integers alone', () => {
    expect(restoreIntegerLiterals('{"a":1}', new Map())).toBe('{"a":1}');
    expect(stringifySpec({ a: [1, 'b\\"c'] }, '{"a":[1,"b\\\\\\"c"]}')).toBe('{"a":[1,"b\\\\\\"c"]}');
  });

  it.each([
    [JSON.parse('18446744073709551615') as number, '18446744073709551615'],
    [1024, '1024'],
    [2 ** 60, '1152921504606846976'],
  ])('exactUint64(%d) → %s', (n, s) => expect(exactUint64(n)).toBe(s));
});
