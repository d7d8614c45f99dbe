import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { EXEC_LIMIT_SHELL, gvisorExec, limitExecProcess } from './exec-pids-limit.js';

const base = mkdtempSync(join(tmpdir(), 'msb-exec-limit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('limitExecProcess', () => {
  const p = { args: ['ps', '-o', "it's $HOME"], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: true };

  it("runs the command through the container's sh with the limit, keeping every other field", () => {
    const q = limitExecProcess(p, 20);
    expect(q.args?.slice(0, 2)).toEqual([EXEC_LIMIT_SHELL, '-c']);
    expect(q.args?.slice(3)).toEqual(['msb-exec', 'ps', '-o', "it's $HOME"]);
    expect({ ...q, args: p.args }).toEqual(p);
  });

  it('refuses a process without args', () => {
    expect(thrownMsbError(() => limitExecProcess({ ...p, args: [] }, 20), 'invalid-argument').message).toMatch(/no args/);
  });

  // The script must work in the shells images carry: busybox ash and bash (ulimit -u), dash (-p).
  const shells = [
    ['dash', ['/usr/bin/dash']],
    ['bash', ['/usr/bin/bash']],
    ['busybox ash', ['/usr/bin/busybox', 'sh']],
  ] as const;
  for (const [name, sh] of shells) {
    it.skipIf(!existsSync(sh[0]))(`${name}: the exec'd command sees RLIMIT_NPROC N and gets its argv untouched`, () => {
      const script = limitExecProcess({ args: ['x'] }, 37).args?.[2] ?? '';
      const r = spawnSync(
        sh[0],
        [...sh.slice(1), '-c', script, 'msb-exec', '/bin/sh', '-c', 'echo "$(ulimit -p 2>/dev/null || ulimit -u) $1"', 'x', "a 'b' $c"],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe("37 a 'b' $c\n");
    });
  }
});

describe('gvisorExec', () => {
  const bundle = join(base, 'bundle');
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ root: { path: 'rootfs' } }));
  const runsc = join(base, 'runsc');
  const argv = join(base, 'argv');
  writeFileSync(runsc, `#!/bin/sh\nprintf '%s\\n' "$@" >${argv}\nwhile [ "$1" != --process ]; do shift; done\ncat "$2" >>${argv}\n`, { mode: 0o755 });
  const proc = join(base, 'process.json');
  writeFileSync(proc, JSON.stringify({ args: ['sh'], cwd: '/' }));
  const c = { id: 'abc', dir: base, bundle, runsc, runscArgs: ['--root', '/r'], pidsLimit: 20 };

  it('refuses with the reason when the image has no /bin/sh (the limit cannot be applied)', () => {
    expect(thrownMsbError(() => gvisorExec(c, [], { process: proc, detach: true }), 'unsupported').message).toMatch(
      /needs \/bin\/sh in the image to give the process RLIMIT_NPROC 20/,
    );
  });

  it("runs runsc exec with the wrapped process and containerd's flags, and removes its process file", () => {
    symlinkSync('/bin/busybox', join(bundle, 'rootfs', 'bin', 'sh')); // dangling on the host: it resolves inside
    expect(gvisorExec(c, ['--log', 'l'], { process: proc, detach: true, pidFile: 'p' })).toBe(0);
    const out = spawnSync('cat', [argv], { encoding: 'utf8' }).stdout.split('\n');
    expect(out.slice(0, 4)).toEqual(['--root', '/r', '--log', 'l']);
    expect(out.slice(4, 6)).toEqual(['exec', '--process']);
    expect(out.slice(7, 11)).toEqual(['--detach', '--pid-file', 'p', 'abc']);
    expect(existsSync(out[6] ?? '')).toBe(false);
    expect(out.at(-1) ?? out.at(-2)).toContain('"ulimit -u 20');
  });
});
