import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../test/support/msb-error.js';
import { launcherOutput } from './launcher-output.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-launcher-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A launcher whose backend prints its arguments, and fails its ps when asked for -fail.
const launcher = join(dir, 'launcher.sh');
writeFileSync(launcher, 'msb_exec() { printf "%s|" "$@"; for a; do [ "$a" = -fail ] && exit 3; done; exit 0; }\n');

describe('launcherOutput', () => {
  it('runs the backend command through the launcher, log flags first, and returns its stdout', () => {
    expect(launcherOutput(launcher, 'c1', ['--log', '/l'], 'ps', ['c1', '-ef'])).toBe('--log|/l|ps|c1|-ef|');
  });

  it('names the backend command that failed, whatever arguments follow it', () => {
    expect(thrownMsbError(() => launcherOutput(launcher, 'c1', [], 'ps', ['c1', '-fail']), 'backend').message).toBe('ps of container c1 failed (exit 3)');
    expect(thrownMsbError(() => launcherOutput(launcher, 'c1', ['--debug'], 'state', ['c1', '-fail']), 'backend').message).toBe(
      'state of container c1 failed (exit 3)',
    );
  });

  it('reports a container without a launcher as one msb does not know', () => {
    expect(thrownMsbError(() => launcherOutput(join(dir, 'none.sh'), 'c2', [], 'ps', ['c2']), 'not-found').message).toBe('container c2 does not exist');
  });
});
