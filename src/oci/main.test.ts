import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MsbError } from '../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from './global-options.js';
import { EXIT_FAILURE, failureLine, main } from './main.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'msb-main-'));
  dirs.push(d);
  return d;
}

function logLines(path: string): { level: string; msg: string }[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; msg: string });
}

describe('failureLine', () => {
  const global = (log: string, debug: boolean): GlobalOptions => ({ ...defaultGlobalOptions(), log, logFormat: 'json', debug });
  const err = new MsbError('invalid-spec', 'config.json: bad\nsecond line', { cause: new Error('the parser said so') });

  it('appends one error line to --log and returns the same message for stderr', () => {
    const log = join(scratch(), 'log.json');
    expect(failureLine(global(log, false), err)).toBe('msb: config.json: bad; second line');
    expect(logLines(log)).toEqual([{ level: 'error', msg: 'msb: config.json: bad; second line', time: expect.any(String) }]);
  });

  it('with --debug, names the code and the cause in a debug line before the error line', () => {
    const log = join(scratch(), 'log.json');
    failureLine(global(log, true), err);
    expect(logLines(log)).toEqual([
      { level: 'debug', msg: 'msb: error code invalid-spec, cause Error: the parser said so', time: expect.any(String) },
      { level: 'error', msg: 'msb: config.json: bad; second line', time: expect.any(String) },
    ]);
    failureLine(global(log, true), new MsbError('not-found', 'gone'));
    expect(
      logLines(log)
        .slice(2)
        .map((l) => l.msg),
    ).toEqual(['msb: error code not-found', 'msb: gone']);
  });
});

describe('main on failure', () => {
  it.each([
    { code: 'invalid-argument', argv: (d: string) => ['--root', join(d, 'root'), 'ps'], msg: 'msb: ps: container id cannot be empty' },
    { code: 'not-found', argv: (d: string) => ['--root', join(d, 'root'), 'ps', 'nosuch'], msg: 'msb: container nosuch does not exist' },
    {
      code: 'invalid-spec',
      argv: (d: string) => ['--root', join(d, 'root'), 'create', '--bundle', join(d, 'bundle'), 'c1'],
      msg: /^msb: cannot read config\.json /,
    },
  ])('exits $code with status 1, as runc does for every error, and says so in --log', async ({ code, argv, msg }) => {
    const d = scratch();
    mkdirSync(join(d, 'root'));
    mkdirSync(join(d, 'bundle'));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    const log = join(d, 'log.json');
    const status = await main(['--log', log, '--log-format', 'json', '--debug', ...argv(d)]);
    expect(status).toBe(EXIT_FAILURE);
    expect(EXIT_FAILURE).toBe(1);
    const lines = logLines(log);
    expect(lines.at(-2)?.msg).toMatch(new RegExp(`^msb: error code ${code}\\b`));
    expect(lines.at(-1)?.level).toBe('error');
    expect(lines.at(-1)?.msg).toMatch(msg);
    expect(stderr.join('')).toBe(`${lines.at(-1)?.msg}\n`);
    expect(readdirSync(join(d, 'root'))).toEqual([]);
  });
});
