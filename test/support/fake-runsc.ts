import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** FakeRunsc is a recording stand-in for runsc at `path` (tests of create, restore and the create helper). */
export interface FakeRunsc {
  path: string;
  /** Every call but the probes (--version, flags), in order: one argv each. */
  calls(): string[][];
  /** Forgets the calls and every behaviour set below. */
  reset(): void;
  /** The next `command` calls (default create) fail like runsc: `message` appended to --log as an unterminated JSON line, exit 1. */
  failWith(message: string, command?: string): void;
  /** A sh script run at create, before it exits (it sees the create's stdio). */
  onCreate(script: string): void;
  /** Makes create hang (sleep in the fake's own process); returns a function reading that process's pid once it hangs. */
  hang(): () => number | undefined;
}

/**
 * makeFakeRunsc writes the fake into `dir`. It answers --version as runsc release-20240807.0 and
 * `flags` with host-uds support, records every other call (one NUL-separated argv per file), runs
 * ./on-create at create, and fails the command named in ./fail-on (with ./fail's text) when ./fail
 * exists.
 */
export function makeFakeRunsc(dir: string): FakeRunsc {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'runsc');
  writeFileSync(
    path,
    `#!/bin/sh
here=\${0%/*}
[ "$1" = --version ] && { printf 'runsc version release-20240807.0\\nspec: 1.1.0\\n'; exit 0; }
[ "$1" = flags ] && { printf '  -host-uds value\\n    \\tValues: none|open|create|all\\n' >&2; exit 0; }
n=$(ls "$here/calls" | wc -l)
printf '%s\\0' "$@" >"$here/calls/$n"
log=
cmd=
while [ $# -gt 0 ]; do case $1 in --log) log=$2; shift ;; create | delete | restore) [ -n "$cmd" ] || cmd=$1 ;; esac; shift; done
[ "$cmd" = create ] && [ -x "$here/on-create" ] && "$here/on-create"
[ "$cmd" = create ] && [ -e "$here/hang" ] && { echo $$ >"$here/hang"; exec sleep 600; }
if [ -e "$here/fail" ] && [ "$cmd" = "$(cat "$here/fail-on")" ]; then
  printf '{"level":"error","msg":"%s","time":"t"}' "$(cat "$here/fail")" >>"$log"
  exit 1
fi
exit 0
`,
  );
  chmodSync(path, 0o755);
  const reset = (): void => {
    rmSync(join(dir, 'calls'), { recursive: true, force: true });
    mkdirSync(join(dir, 'calls'));
    for (const f of ['fail', 'fail-on', 'on-create', 'hang']) rmSync(join(dir, f), { force: true });
  };
  reset();
  return {
    path,
    calls: () =>
      readdirSync(join(dir, 'calls'))
        .sort((a, b) => Number(a) - Number(b))
        .map((f) =>
          readFileSync(join(dir, 'calls', f), 'utf8')
            .split('\0')
            .slice(0, -1),
        ),
    reset,
    failWith(message: string, command = 'create'): void {
      writeFileSync(join(dir, 'fail-on'), command);
      writeFileSync(join(dir, 'fail'), message);
    },
    hang(): () => number | undefined {
      writeFileSync(join(dir, 'hang'), '');
      return () => Number(readFileSync(join(dir, 'hang'), 'utf8')) || undefined;
    },
    onCreate(script: string): void {
      writeFileSync(join(dir, 'on-create'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    },
  };
}
