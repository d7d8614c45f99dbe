import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, withDefaults } from './policy.js';

describe('configs/policy.json', () => {
  it('is valid and spells out exactly the built-in defaults', () => {
    const path = new URL('../../configs/policy.json', import.meta.url);
    const shipped = parsePolicy(readFileSync(path, 'utf8'), 'configs/policy.json');
    expect({ ...shipped, source: '' }).toEqual({ ...withDefaults({}, ''), source: '' });
  });
});
