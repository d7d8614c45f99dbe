import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cached } from '../../oci/host-facts-cache.js';

/** RunscVersion is what `runsc --version` said, with the release date when one can be read. */
export interface RunscVersion {
  raw: string;
  /** YYYYMMDD of the release: upstream prints release-20240807.0, Debian 0.0~20221219.0. */
  date?: number;
}

/** parseRunscVersion reads the first line of `runsc --version`. */
export function parseRunscVersion(output: string): RunscVersion {
  const first = output.split('\n')[0]?.trim() ?? '';
  const raw = first.replace(/^runsc version\s*/, '');
  const match = /(?:^|[^0-9])(20\d{6})(?:[^0-9]|$)/.exec(raw);
  return match?.[1] ? { raw, date: Number(match[1]) } : { raw };
}

/** probeRunscVersion runs `runsc --version` once per binary (path, inode, size, mtime). */
export function probeRunscVersion(runsc: string, cacheDir: string): RunscVersion {
  const st = statSync(runsc);
  const key = `${runsc}:${st.ino}:${st.size}:${st.mtimeMs}`;
  return cached(cacheDir, 'runsc-version', key, () =>
    parseRunscVersion(execFileSync(runsc, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })),
  );
}
