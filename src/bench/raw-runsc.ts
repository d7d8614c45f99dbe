import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote, shQuoteAll } from '../base/shell-quote.js';
import type { MsbRunscFlags } from './msb-flags.js';

/** RAW_ROOT_SUBDIR is where the raw wrapper keeps runsc's state under the caller's --root. */
export const RAW_ROOT_SUBDIR = 'msb-bench-raw';

/**
 * rawWrapperScript is the reference runtime: runsc with exactly msb's flags and nothing else msb
 * does. Like msb (which keeps runsc's state in <root>/msb/runsc), it gives runsc its own state
 * directory under the --root its caller passes first (Docker passes
 * /var/run/docker/runtime-runc/moby), so runsc never shares runc's directory. When msb applies the
 * rmem_default workaround (gvisor #10704), so does the wrapper, for the same commands (start,
 * restore), with the same unshare/mount binaries msb's launcher uses.
 */
export function rawWrapperScript(flags: MsbRunscFlags): string {
  const runsc = shQuoteAll([flags.runsc]);
  const runscFlags = shQuoteAll(flags.runscFlags);
  const lines = [
    '#!/bin/sh',
    '# msb-bench-raw: runsc called directly with the flags msb uses; written by `npm run bench`',
    `# from msb container ${flags.sourceContainer} (see docs/benchmarks.md). Do not edit.`,
    `root=/run/${RAW_ROOT_SUBDIR}`,
    'case ${1-} in',
    `  --root) root=$2/${RAW_ROOT_SUBDIR}; shift 2 ;;`,
    `  --root=*) root=\${1#--root=}/${RAW_ROOT_SUBDIR}; shift ;;`,
    'esac',
  ];
  const w = flags.rmemWorkaround;
  if (w.apply) {
    if (!w.unshare || !w.sh || !w.mount) throw new Error('msb applies the rmem_default workaround but its unshare/sh/mount paths are unknown');
    const inner = `${shQuote(w.mount)} -t tmpfs -o size=4k,mode=0555 msb-bench-raw /proc/sys/net && exec "$@"`;
    lines.push(
      '# The command is the first operand after the global flags (runc and Docker pass these).',
      'skip=',
      'for arg; do',
      '  if [ -n "$skip" ]; then skip=; continue; fi',
      '  case $arg in',
      '    --log | --log-format | --criu | --rootless) skip=1 ;;',
      '    -*) ;;',
      '    start | restore)',
      `      exec ${shQuote(w.unshare)} --mount --propagation private -- ${shQuote(w.sh)} -c ${shQuote(inner)} msb-bench-raw ${runsc} --root "$root" ${runscFlags} "$@" ;;`,
      '    *) break ;;',
      '  esac',
      'done',
    );
  }
  lines.push(`exec ${runsc} --root "$root" ${runscFlags} "$@"`);
  return `${lines.join('\n')}\n`;
}

/** writeRawWrapper writes the wrapper as an executable file in dir and returns its path. */
export function writeRawWrapper(dir: string, flags: MsbRunscFlags): string {
  const path = join(dir, 'runsc-raw');
  writeFileSync(path, rawWrapperScript(flags), { mode: 0o755 });
  chmodSync(path, 0o755);
  return path;
}
