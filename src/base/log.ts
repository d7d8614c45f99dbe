import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/** LogFormat is runc's --log-format: containerd always passes json. */
export type LogFormat = 'json' | 'text';

/** LogTarget says where runtime log lines go; path undefined means stderr only. */
export interface LogTarget {
  path?: string;
  format: LogFormat;
  debug: boolean;
}

/** LogField is one field of a log line. */
export type LogField = 'level' | 'msg' | 'time';

/**
 * LOG_LINE_TEMPLATES are runc's (logrus) json and text lines: each {field} stands for the field's
 * value JSON-escaped without its quotes. formatLogLine renders them, and shim/msb-runtime's
 * msb_format_log_line is generated from them (src/oci/launcher-tables.ts).
 */
export const LOG_LINE_TEMPLATES: Readonly<Record<LogFormat, string>> = {
  json: '{"level":"{level}","msg":"{msg}","time":"{time}"}',
  text: 'time="{time}" level={level} msg="{msg}"',
};

/** LOG_FIELD_PATTERN finds the {field} placeholders of a template. */
export const LOG_FIELD_PATTERN = /\{(level|msg|time)\}/g;

/** formatLogLine renders one log line in runc's (logrus) json or text form. */
export function formatLogLine(level: 'error' | 'warning' | 'info' | 'debug', msg: string, format: LogFormat, now: Date): string {
  const values: Record<LogField, string> = { level, msg, time: now.toISOString() };
  const line = LOG_LINE_TEMPLATES[format].replace(LOG_FIELD_PATTERN, (_, field: LogField) => JSON.stringify(values[field]).slice(1, -1));
  return `${line}\n`;
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
