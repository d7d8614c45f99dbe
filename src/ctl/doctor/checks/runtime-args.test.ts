import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../../isolation/policy.js';
import { runtimeArgsProblem } from './runtime-args.js';

const defaults = withDefaults({}, 'built-in defaults');

describe('runtimeArgsProblem', () => {
  it.each([
    { args: [], available: ['gvisor'], problem: undefined },
    { args: ['--isolation=gvisor', '--debug'], available: ['gvisor'], problem: undefined },
    { args: ['--isolation=krun'], available: ['gvisor', 'krun'], problem: undefined },
    { args: ['--isolation=kata'], available: ['gvisor'], problem: /^create fails: unknown isolation "kata"/ },
    { args: ['--policy=/etc/my policy.json'], available: ['gvisor'], problem: /contains whitespace, which Docker 20\.10 does not quote/ },
  ])('$args with $available', ({ args, available, problem }) => {
    const r = runtimeArgsProblem(args, defaults, available);
    if (problem === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(problem);
  });
});
