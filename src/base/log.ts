import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/** LogFormat is runc's --log-format: containerd always passes json. */
export type LogFormat = 'json' | 'text';

/** LogTarget says where runtime log lines go; path undefined means stderr only. */
export interface LogTarget {
  path?: string;
  format: LogFormat;
  debug: boolean;
}

/** formatLogLine renders one log line in runc's (logrus) json or text form. */
export function formatLogLine(level: 'error' | 'warning' | 'info' | 'debug', msg: string, format: LogFormat, now: Date): string {
  const time = now.toISOString();
  if (format === 'json') return `${JSON.stringify({ level, msg, time })}\n`;
  return `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}\n`;
}

/**
 * appendLogLine appends one line to --log. Docker passes the same file to every command of a
 * container and shows the last error line, so the file is opened for append, never truncated
 * (runsc/cli/cli.go does the same).
 */
export function appendLogLine(
  target: LogTarget,
  level: 'error' | 'warning' | 'info' | 'debug',
  msg: string,
  now: Date = new Date(),
  append: (path: string, data: string) => void = appendOnOwnLine,
): void {
  if (level === 'debug' && !target.debug) return;
  if (!target.path) return;
  try {
    append(target.path, formatLogLine(level, msg, target.format, now));
  } catch {
    // The log is best effort: stderr still carries the message.
  }
}

/**
 * appendOnOwnLine appends data, first ending the file's last line if it has no newline: runsc
 * writes its final error line without one, and containerd reads the log line by line.
 */
export function appendOnOwnLine(path: string, data: string): void {
  const fd = openSync(path, 'a+', 0o600);
  try {
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    const unterminated = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, unterminated ? `\n${data}` : data);
  } finally {
    closeSync(fd);
  }
}
