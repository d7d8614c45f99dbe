import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shQuote, shQuoteAll } from './shell-quote.js';

const TRICKY: readonly string[] = [
  '',
  'plain',
  'two words',
  "'",
  "it's",
  "''",
  "'\\''",
  '"double"',
  '$HOME',
  '${PATH}',
  '$(id)',
  '`id`',
  '\\',
  '\\n',
  'a\nb',
  'tab\there',
  '*',
  '?',
  '[a]',
  '~',
  '!',
  '#not a comment',
  'a;b&&c|d',
  '<in >out',
  '-n',
  '--',
  'é ünïcödé ✓',
  ' leading and trailing ',
];

/** shEcho has /bin/sh evaluate a command line and returns the words it saw, NUL-separated. */
function shWords(commandLine: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('shQuote', () => {
  it.each(TRICKY.map((w) => [w]))('%j survives a round trip through sh', (word) => {
    expect(shWords(shQuote(word))).toEqual([word]);
  });

  it.each([
    ['', "''"],
    ['abc', "'abc'"],
    ["it's", "'it'\\''s'"],
  ])('%j → %s', (word, quoted) => {
    expect(shQuote(word)).toBe(quoted);
  });
});

describe('shQuoteAll', () => {
  it('keeps every word separate in one command line', () => {
    expect(shWords(shQuoteAll(TRICKY))).toEqual(TRICKY);
  });

  it('is empty for no words', () => {
    expect(shQuoteAll([])).toBe('');
  });
});
