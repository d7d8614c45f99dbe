import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stdoutOf } from './timed-spawn.js';
import type { Cleanup } from './cleanup.js';

/** DOCKER_RUNTIME_ROOT is the --root Docker 20.10 passes to every runc-compatible runtime. */
export const DOCKER_RUNTIME_ROOT = '/var/run/docker/runtime-runc/moby';

/** MsbRunscFlags are how msb runs runsc, as read back from a container msb created. */
export interface MsbRunscFlags {
  runsc: string;
  runscVersion: string;
  platform: string;
  /** runscFlags are msb's flags for runsc other than --root (e.g. --platform=ptrace). */
  runscFlags: string[];
  rmemWorkaround: { apply: boolean; reason: string; unshare?: string; sh?: string; mount?: string };
  /** sourceContainer is the warm-up container the flags were read from. */
  sourceContainer: string;
}

/**
 * shellWords splits one line of sh into words the way msb's launcher writes them: unquoted
 * characters, '…' (with '\'' for a quote), "…" without expansion and backslash escapes. It is not
 * a general sh parser; it reads back what src/base/shell-quote.ts writes.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated " in: ${line}`);
      word = (word ?? '') + line.slice(i, end + 1); // kept with its quotes: "$@" stays recognisable
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i++;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * functionBody reads the backend command line a launcher function execs: the words between
 * `exec` and `"$@"`, from a one-line function (`name() { exec … "$@"; }`) or from the last
 * `exec … "$@"` line of a multi-line one (msb_exec sends some commands to Node first).
 */
export function functionBody(launcher: string, name: string): string[] | undefined {
  const lines = launcher.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name}() {`));
  if (start < 0) return undefined;
  const first = lines[start] as string;
  let line = first;
  if (!/\bexec\b/.test(first)) {
    const end = lines.findIndex((l, i) => i > start && l.trim() === '}');
    const body = lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
    line = [...body].reverse().find((l) => l.startsWith('exec ') && l.endsWith('"$@"')) ?? first;
  }
  const words = shellWords(line);
  const exec = words.indexOf('exec');
  const args = words.findIndex((w) => w === '"$@";' || w === '"$@"');
  if (exec < 0 || args < 0) throw new Error(`cannot read ${name} in msb's launcher: ${line}`);
  return words.slice(exec + 1, args);
}

function withoutRoot(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '--root') i++;
    else if (!w.startsWith('--root=')) out.push(w);
  }
  return out;
}

/**
 * readMsbRunscFlags reads a gVisor container's record.json and launcher.sh and cross-checks them:
 * the runsc binary and platform in the record must be what the launcher executes, and the
 * launcher must carry the rmem_default workaround exactly when the record says it applies.
 */
export function readMsbRunscFlags(recordDir: string, id: string): MsbRunscFlags {
  const record = JSON.parse(readFileSync(join(recordDir, 'record.json'), 'utf8')) as {
    backend?: string;
    backendSummary?: { runsc?: string; runscVersion?: string; platform?: string; rmemWorkaround?: { apply?: boolean; reason?: string } };
  };
  const launcher = readFileSync(join(recordDir, 'launcher.sh'), 'utf8');
  const s = record.backendSummary;
  if (record.backend !== 'gvisor' || !s?.runsc || !s.platform || typeof s.rmemWorkaround?.apply !== 'boolean') {
    throw new Error(
      `msb chose backend ${String(record.backend)} for the warm-up container (${recordDir}/record.json); this benchmark compares msb's gVisor path`,
    );
  }
  const exec = functionBody(launcher, 'msb_exec');
  if (!exec || exec[0] !== s.runsc) throw new Error(`msb's launcher does not run ${s.runsc}: ${String(exec)}`);
  const runscFlags = withoutRoot(exec.slice(1));
  if (!runscFlags.includes(`--platform=${s.platform}`)) {
    throw new Error(`record.json says platform ${s.platform} but the launcher runs ${exec.join(' ')}`);
  }
  const quirk = functionBody(launcher, 'msb_exec_quirk');
  if (Boolean(quirk) !== s.rmemWorkaround.apply) {
    throw new Error(`record.json says rmemWorkaround.apply=${s.rmemWorkaround.apply} but the launcher ${quirk ? 'has' : 'lacks'} msb_exec_quirk`);
  }
  const rmemWorkaround: MsbRunscFlags['rmemWorkaround'] = { apply: s.rmemWorkaround.apply, reason: s.rmemWorkaround.reason ?? '' };
  if (quirk) {
    // exec UNSHARE --mount --propagation private -- SH -c 'MOUNT -t tmpfs …' NAME RUNSC FLAGS…
    const c = quirk.indexOf('-c');
    const inner = quirk[c + 1];
    if (c < 1 || !inner) throw new Error(`cannot read msb_exec_quirk: ${quirk.join(' ')}`);
    rmemWorkaround.unshare = quirk[0];
    rmemWorkaround.sh = quirk[c - 1];
    rmemWorkaround.mount = shellWords(inner)[0];
  }
  return { runsc: s.runsc, runscVersion: s.runscVersion ?? '', platform: s.platform, runscFlags, rmemWorkaround, sourceContainer: id };
}

/**
 * probeMsbRunscFlags starts one detached container under msb (which also warms Docker and msb's
 * host-facts cache), reads how msb runs runsc for it, and removes it again.
 */
export function probeMsbRunscFlags(cleanup: Cleanup, image: string): MsbRunscFlags {
  const id = stdoutOf('docker', ['run', '-d', '--runtime=msb', image, 'sleep', '30']);
  const drop = cleanup.push(`docker rm -f ${id}`, () => stdoutOf('docker', ['rm', '-f', id]));
  try {
    return readMsbRunscFlags(join(DOCKER_RUNTIME_ROOT, 'msb', 'containers', id), id);
  } finally {
    stdoutOf('docker', ['rm', '-f', id]);
    drop();
  }
}
