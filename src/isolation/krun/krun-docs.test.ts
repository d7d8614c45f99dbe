import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KRUN_SUPPORT } from './krun-support.js';

describe('docs/krun.md', () => {
  const doc = readFileSync(new URL('../../../docs/krun.md', import.meta.url), 'utf8');
  it.each(KRUN_SUPPORT.map((f) => [f.field, f.handling, f.how]))('lists %s as %s', (field, handling, how) => {
    const section = doc.split(`### ${handling}`)[1]?.split('###')[0] ?? '';
    expect(section).toContain(`| ${field} | ${how.replace(/\|/g, '\\|')} |`);
  });
});
