import { describe, expect, it } from 'vitest';
import { parseRunscVersion } from '../../isolation/gvisor/runsc-version.js';
import { knownRunscIssues } from './runsc-known-issues.js';

const ids = (version: string, go: string | undefined): string[] =>
  knownRunscIssues(parseRunscVersion(`runsc version ${version}\n`), go).map((i) => `${i.id}:${i.severity}`);

describe('knownRunscIssues', () => {
  it.each([
    ["Debian sid's build (Go 1.26)", '0.0~20240729.0', 'go1.26.2', ['go-1.26-task-goroutine:warn', 'tcgets2:note']],
    ["Debian 13's build (Go 1.24)", '0.0~20240729.0', 'go1.24.4', ['tcgets2:note']],
    ["Debian 12's build", '0.0~20221219.0', 'go1.19.8', ['tcgets2:note']],
    ['an old release whose Go cannot be read', '0.0~20240729.0', undefined, ['tcgets2:note']],
    ['a 2026 release with the TCGETS2 fix, built with Go 1.26', 'release-20260601.0', 'go1.26.1', []],
    ['no date in the version', 'devel', 'go1.26.0', []],
  ])('%s', (_name, version, go, expected) => {
    expect(ids(version, go)).toEqual(expected);
  });
});
