import { describe, expect, it } from 'vitest';
import { msbExecLines } from '../isolation/launcher-exec.js';
import { functionBody } from './msb-flags.js';

describe('functionBody', () => {
  it('reads the backend command line of the multi-line msb_exec the launchers write', () => {
    const launcher = [
      'msb_backend=gvisor',
      ...msbExecLines(['exec', 'update'], '/run/x', "'/usr/bin/runsc' --root '/run/x/msb/runsc' --platform=systrap"),
      '',
    ].join('\n');
    expect(functionBody(launcher, 'msb_exec')).toEqual(['/usr/bin/runsc', '--root', '/run/x/msb/runsc', '--platform=systrap']);
  });
  it('reads a one-line function and reports a missing one as undefined', () => {
    const launcher = `msb_exec_quirk() { exec /usr/bin/unshare --mount -- /bin/sh -c 'mount x' n /usr/bin/runsc --platform=ptrace "$@"; }\n`;
    expect(functionBody(launcher, 'msb_exec_quirk')).toEqual([
      '/usr/bin/unshare',
      '--mount',
      '--',
      '/bin/sh',
      '-c',
      'mount x',
      'n',
      '/usr/bin/runsc',
      '--platform=ptrace',
    ]);
    expect(functionBody(launcher, 'msb_exec')).toBeUndefined();
  });
});
