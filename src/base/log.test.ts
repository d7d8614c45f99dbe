import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { appendLogLine, appendOnOwnLine, formatLogLine, type LogTarget } from './log.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `log-${n++}.json`);

const NOW = new Date('2024-08-07T12:34:56.789Z');

describe('formatLogLine', () => {
  it('json: one logrus-style object per line', () => {
    const line = formatLogLine('error', 'msb: it\'s "bad"\\', 'json', NOW);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ level: 'error', msg: 'msb: it\'s "bad"\\', time: '2024-08-07T12:34:56.789Z' });
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['level', 'msg', 'time']);
  });

  it('json: a newline in the message stays inside the one line', () => {
    const line = formatLogLine('warning', 'a\nb', 'json', NOW);
    expect(line.split('\n')).toHaveLength(2);
    expect((JSON.parse(line) as { msg: string }).msg).toBe('a\nb');
  });

  it('text: logrus text format with quoted time and msg', () => {
    expect(formatLogLine('error', 'msb: "x" failed', 'text', NOW)).toBe('time="2024-08-07T12:34:56.789Z" level=error msg="msb: \\"x\\" failed"\n');
    expect(formatLogLine('debug', 'd', 'text', NOW)).toBe('time="2024-08-07T12:34:56.789Z" level=debug msg="d"\n');
  });
});

describe('appendLogLine', () => {
  const json = (path?: string, debug = false): LogTarget => ({ path, format: 'json', debug });

  it('appends to an existing log and never truncates it', () => {
    const path = fresh();
    const before = '{"level":"info","msg":"from runsc","time":"t"}\n';
    writeFileSync(path, before);
    appendLogLine(json(path), 'error', 'first', NOW);
    appendLogLine(json(path), 'error', 'second', NOW);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect(
      text
        .slice(before.length)
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ).toEqual(['first', 'second']);
  });

  it('creates a missing log file', () => {
    const path = fresh();
    appendLogLine(json(path), 'error', 'x', NOW);
    expect(readFileSync(path, 'utf8')).toBe(formatLogLine('error', 'x', 'json', NOW));
  });

  it('writes the text format when asked', () => {
    const path = fresh();
    appendLogLine({ path, format: 'text', debug: false }, 'warning', 'w', NOW);
    expect(readFileSync(path, 'utf8')).toBe('time="2024-08-07T12:34:56.789Z" level=warning msg="w"\n');
  });

  it("puts its line on its own line after runsc's unterminated last line", () => {
    const path = fresh();
    writeFileSync(path, '{"level":"error","msg":"runsc failed","time":"t"}');
    appendLogLine(json(path), 'error', 'msb: wrapped', NOW);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['runsc failed', 'msb: wrapped']);
    expect(lines[2]).toBe('');
  });

  it('suppresses debug lines unless --debug', () => {
    const append = vi.fn();
    appendLogLine(json('/l'), 'debug', 'quiet', NOW, append);
    expect(append).not.toHaveBeenCalled();
    appendLogLine(json('/l', true), 'debug', 'loud', NOW, append);
    expect(append).toHaveBeenCalledWith('/l', formatLogLine('debug', 'loud', 'json', NOW));
  });

  it('does not suppress other levels without --debug', () => {
    const append = vi.fn();
    for (const level of ['error', 'warning', 'info'] as const) appendLogLine(json('/l'), level, level, NOW, append);
    expect(append).toHaveBeenCalledTimes(3);
  });

  it('writes nothing without --log', () => {
    const append = vi.fn();
    appendLogLine(json(undefined, true), 'error', 'x', NOW, append);
    expect(append).not.toHaveBeenCalled();
  });

  it('is best effort: a failing write does not throw', () => {
    expect(() =>
      appendLogLine(json('/l'), 'error', 'x', NOW, () => {
        throw new Error('EROFS');
      }),
    ).not.toThrow();
    expect(() => appendLogLine(json(join(dir, 'no-such-dir', 'log.json')), 'error', 'x', NOW)).not.toThrow();
  });
});

describe('appendOnOwnLine', () => {
  it.each([
    ['an empty file', '', 'x\n', 'x\n'],
    ['a terminated line', 'a\n', 'x\n', 'a\nx\n'],
    ['an unterminated line', 'a', 'x\n', 'a\nx\n'],
  ])('after %s', (_name, before, data, after) => {
    const path = fresh();
    writeFileSync(path, before);
    appendOnOwnLine(path, data);
    expect(readFileSync(path, 'utf8')).toBe(after);
  });
});
