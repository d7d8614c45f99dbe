import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './line-diff.js';

describe('diffLines', () => {
  it.each([
    { a: ['x', 'y'], b: ['x', 'n', 'y'], ops: ' + ' },
    { a: ['x', 'y'], b: ['x', 'z'], ops: ' -+' },
    { a: ['a', 'b', 'c'], b: ['c'], ops: '-- ' },
    { a: [], b: ['a'], ops: '+' },
    { a: ['a', 'b', 'a', 'b'], b: ['b', 'a', 'b', 'a'], ops: '-   +' },
  ])('aligns $a with $b as "$ops"', ({ a, b, ops }) => {
    expect(
      diffLines(a, b)
        .map((l) => l.op)
        .join(''),
    ).toBe(ops);
  });
});

describe('unifiedDiff', () => {
  it('prints separate hunks with context and correct line numbers', () => {
    const old = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const next = [...old.slice(0, 2), 'new', ...old.slice(2, 17), 'late', ...old.slice(17)];
    expect(unifiedDiff('a', 'b', `${old.join('\n')}\n`, `${next.join('\n')}\n`, 1)).toEqual([
      '--- a',
      '+++ b',
      '@@ -2,2 +2,3 @@',
      ' l2',
      '+new',
      ' l3',
      '@@ -17,2 +18,3 @@',
      ' l17',
      '+late',
      ' l18',
    ]);
  });

  it('is empty when nothing changed', () => {
    expect(unifiedDiff('a', 'b', 'x\n', 'x\n')).toEqual([]);
  });
});
