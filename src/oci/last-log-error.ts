import { readFileSync, statSync } from 'node:fs';

/**
 * lastLogError returns the message of the last error line a backend appended to --log after
 * `offset`, so msb can wrap it: Docker shows only the last error line of the file.
 */
export function lastLogError(logPath: string | undefined, offset: number): string | undefined {
  if (!logPath) return undefined;
  let text: string;
  try {
    text = readFileSync(logPath).subarray(offset).toString('utf8');
  } catch {
    return undefined;
  }
  let last: string | undefined;
  // runsc ends its last line without a newline, so lines may be glued together: split them.
  for (const line of text.replace(/}{"/g, '}\n{"').split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' && typeof entry.msg === 'string') last = entry.msg;
    } catch {
      const m = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(line);
      if (m?.[1] !== undefined) last = unquote(m[1]);
    }
  }
  return last;
}

/** logSize is the current length of --log, the offset of what a backend will append. */
export function logSize(logPath: string | undefined): number {
  if (!logPath) return 0;
  try {
    return statSync(logPath).size;
  } catch {
    return 0;
  }
}

/** unquote reads a logrus text value, which is quoted as a Go (and JSON-compatible) string. */
function unquote(quoted: string): string {
  try {
    return JSON.parse(`"${quoted}"`) as string;
  } catch {
    return quoted;
  }
}
