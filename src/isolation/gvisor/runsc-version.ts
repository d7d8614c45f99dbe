import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { MsbError } from '../../base/errors.js';
import { cached } from '../../base/host-facts-cache.js';
import { describeSystemError } from '../../base/system-error.js';

/** RunscVersion is what `runsc --version` said, with the release date when one can be read. */
export interface RunscVersion {
  raw: string;
  /** YYYYMMDD of the release: upstream prints release-20240807.0, Debian 0.0~20221219.0. */
  date?: number;
}

/** RUNSC_VERSION_LINE is how runsc starts its --version output (runsc/version; every release since 2018). */
const RUNSC_VERSION_LINE = /^\s*runsc version \S/;

/** parseRunscVersion reads the first line of `runsc --version`. */
export function parseRunscVersion(output: string): RunscVersion {
  const first = output.split('\n')[0]?.trim() ?? '';
  const raw = first.replace(/^runsc version\s*/, '');
  const match = /(?:^|[^0-9])(20\d{6})(?:[^0-9]|$)/.exec(raw);
  return match?.[1] ? { raw, date: Number(match[1]) } : { raw };
}

/** isRunscVersionOutput tells runsc's --version output from anything else's (runc's, /bin/true's nothing). */
export function isRunscVersionOutput(output: string): boolean {
  return RUNSC_VERSION_LINE.test(output.split('\n')[0] ?? '');
}

/** firstLineOf is how an error quotes what a program printed: its first non-empty line, shortened. */
function firstLineOf(output: string): string {
  const line =
    output
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** RunscProbe is the outcome of running `<binary> --version`: what it printed and how it ended. */
export interface RunscProbe {
  stdout: string;
  stderr: string;
  status: number | null;
  error?: Error;
}

/**
 * checkRunscOutput turns a --version probe into runsc's version, or into an error that names
 * the binary and what it printed: policy gvisor.runsc set to /bin/true would otherwise "create"
 * containers with no sandbox, and runc there would run them without gVisor.
 */
export function checkRunscOutput(runsc: string, probe: RunscProbe): RunscVersion {
  const where = `gvisor: policy gvisor.runsc names ${runsc}`;
  if (probe.error)
    throw new MsbError('host-unsupported', `${where}, which could not be run with --version: ${describeSystemError(probe.error)}`, { cause: probe.error });
  if (isRunscVersionOutput(probe.stdout)) return parseRunscVersion(probe.stdout);
  const said = firstLineOf(probe.stdout) || firstLineOf(probe.stderr);
  const printed = said ? `printed ${JSON.stringify(said)}` : 'printed nothing';
  const status = probe.status === 0 ? '' : `, exit ${probe.status ?? 'by a signal'}`;
  throw new MsbError('host-unsupported', `${where}, which is not runsc: \`${runsc} --version\` ${printed}${status}; set gvisor.runsc to gVisor's runsc`);
}

/** runVersion runs `<binary> --version` with a bound on time and output. */
function runVersion(runsc: string): RunscProbe {
  const r = spawnSync(runsc, ['--version'], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const error = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? new Error('it did not answer within 10 s') : r.error;
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, ...(error ? { error } : {}) };
}

/**
 * probeRunscVersion checks that the binary is runsc and reads its version, once per binary
 * (path, inode, size, mtime): only a binary that answered like runsc is remembered.
 */
export function probeRunscVersion(runsc: string, cacheDir: string, run: (binary: string) => RunscProbe = runVersion): RunscVersion {
  const st = statSync(runsc);
  // "checked:" keeps entries of msb versions that did not check what the binary is from counting.
  const key = `checked:${runsc}:${st.ino}:${st.size}:${st.mtimeMs}`;
  return cached(cacheDir, 'runsc-version', key, () => checkRunscOutput(runsc, run(runsc)));
}
