import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastLogError, logSize } from './last-log-error.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-last-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function logWith(text: string): string {
  const path = join(dir, `log-${n++}.json`);
  writeFileSync(path, text);
  return path;
}

const j = (level: string, msg: string): string => JSON.stringify({ level, msg, time: '2024-01-01T00:00:00Z' });

describe('lastLogError', () => {
  it.each<[string, string, string | undefined]>([
    ['no lines', '', undefined],
    ['only info lines', `${j('info', 'a')}\n${j('debug', 'b')}\n`, undefined],
    ['one error', `${j('info', 'a')}\n${j('error', 'boom')}\n`, 'boom'],
    ['the last of several errors', `${j('error', 'first')}\n${j('error', 'second')}\n${j('warning', 'later')}\n`, 'second'],
    [
      "runsc's unterminated last line",
      `${j('info', 'a')}\n${j('error', 'cannot run with network enabled in root network namespace')}`,
      'cannot run with network enabled in root network namespace',
    ],
    ['lines glued without a newline', `${j('error', 'first')}${j('error', 'glued')}`, 'glued'],
    ['junk lines in between', `not json\n${j('error', 'real')}\n{"level":\n\n`, 'real'],
    ['an error without a string msg', `${j('error', 'kept')}\n{"level":"error","msg":3}\n`, 'kept'],
    ['text format', 'time="2024-01-01T00:00:00Z" level=info msg="starting"\ntime="2024-01-01T00:00:00Z" level=error msg="runsc: failed"\n', 'runsc: failed'],
    ['json and text mixed', `time="t" level=error msg="text one"\n${j('error', 'json one')}\n`, 'json one'],
  ])('%s', (_name, text, expected) => {
    expect(lastLogError(logWith(text), 0)).toBe(expected);
  });

  it('ignores everything before the offset', () => {
    const path = logWith(`${j('error', 'an earlier command failed: é')}\n`);
    const offset = logSize(path);
    expect(lastLogError(path, offset)).toBeUndefined();
    appendFileSync(path, `${j('info', 'later info')}\n`);
    expect(lastLogError(path, offset)).toBeUndefined();
    appendFileSync(path, `${j('error', 'this create failed')}\n`);
    expect(lastLogError(path, offset)).toBe('this create failed');
    expect(lastLogError(path, 0)).toBe('this create failed');
  });

  it('ignores earlier text-format errors before the offset', () => {
    const path = logWith('time="t" level=error msg="old"\n');
    const offset = logSize(path);
    appendFileSync(path, 'time="t" level=error msg="new"\n');
    expect(lastLogError(path, offset)).toBe('new');
  });

  it('is undefined without --log or for a missing file', () => {
    expect(lastLogError(undefined, 0)).toBeUndefined();
    expect(lastLogError(join(dir, 'missing.json'), 0)).toBeUndefined();
  });

  // logrus text lines quote msg Go-style, so a message with quotes reads msg="a \"b\"".
  it('unquotes a text-format message', () => {
    expect(lastLogError(logWith('time="t" level=error msg="cannot open \\"/x\\": no such file"\n'), 0)).toBe('cannot open "/x": no such file');
  });
});

describe('logSize', () => {
  it('is the byte length of the log, 0 when there is none', () => {
    expect(logSize(logWith('é\n'))).toBe(3);
    expect(logSize(join(dir, 'missing.json'))).toBe(0);
    expect(logSize(undefined)).toBe(0);
  });
});
