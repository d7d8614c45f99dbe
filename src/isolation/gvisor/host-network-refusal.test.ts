// Issue 15 (8): every way a spec can name the host's network namespace is refused before runsc
// (or krun's runc) runs. runsc with --network=sandbox in the host's netns moves every address of
// every host interface into the sandbox and cuts the machine off (DESIGN.md "A hazard"), so this
// test never runs the real one: the policy points gvisor.runsc and krun.runc at a stand-in that
// answers --version like runsc and records every call, and each row asserts it was never called.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { thrownMsbError } from '../../../test/support/msb-error.js';
import { create } from '../../oci/commands/create.js';
import { defaultGlobalOptions, type GlobalOptions } from '../../oci/global-options.js';
import { which } from '../../base/which.js';

const base = mkdtempSync(join(tmpdir(), 'msb-host-netns-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const standIn = join(base, 'stand-in', 'runsc');
const callsDir = join(base, 'stand-in', 'calls');
mkdirSync(join(base, 'stand-in'));
writeFileSync(
  standIn,
  `#!/bin/sh
n=$(ls '${callsDir}' | wc -l)
printf '%s\\0' "$@" >'${callsDir}'/"$n"
[ "$1" = --version ] && { printf 'runsc version release-20240807.0\\nspec: 1.1.0\\n'; exit 0; }
exit 0
`,
);
chmodSync(standIn, 0o755);

/** calls are the stand-in's recorded argument lists, --version included. */
function calls(): string[][] {
  return readdirSync(callsDir)
    .sort((a, b) => Number(a) - Number(b))
    .map((f) => readFileSync(join(callsDir, f), 'utf8').split('\0').slice(0, -1));
}

let n = 0;
let dir = '';
let bundle = '';
let policy = '';

beforeEach(() => {
  dir = join(base, `case-${n++}`);
  bundle = join(dir, 'bundle');
  policy = join(dir, 'policy.json');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(
    policy,
    JSON.stringify({
      gvisor: { runsc: standIn, rmemWorkaround: 'never' },
      dns: { relay: false, upstreams: ['192.0.2.53'] },
      krun: { runc: standIn, tini: '/bin/true', hostCheck: 'warn' },
    }),
  );
  rmSync(callsDir, { recursive: true, force: true });
  mkdirSync(callsDir);
});

function writeSpec(linux: Record<string, unknown> | undefined): void {
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify({ ociVersion: '1.0.2-dev', process: { args: ['true'], cwd: '/' }, root: { path: 'rootfs' }, ...(linux ? { linux } : {}) }),
  );
}

function globals(isolation: string): GlobalOptions {
  return { ...defaultGlobalOptions(), root: join(dir, 'root'), log: join(dir, 'log.json'), logFormat: 'json', policy, isolation };
}

const netns = (path?: string): Record<string, unknown> => ({
  namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', ...(path !== undefined ? { path } : {}) }],
});

/** Each row: how the spec names the host's netns (made on disk by `make`, given the case directory). */
const ROWS: { name: string; linux: (dir: string) => Record<string, unknown> | undefined; message: RegExp }[] = [
  { name: 'no linux section at all', linux: () => undefined, message: /would share the host network namespace \(--network host\)/ },
  { name: "no namespaces (runc would keep the host's)", linux: () => ({}), message: /would share the host network namespace/ },
  {
    name: 'namespaces without a network one (docker --network host)',
    linux: () => ({ namespaces: [{ type: 'pid' }, { type: 'mount' }] }),
    message: /would share the host network namespace/,
  },
  { name: '/proc/self/ns/net', linux: () => netns('/proc/self/ns/net'), message: /network namespace \/proc\/self\/ns\/net is the host's/ },
  // Where /proc/1 cannot be read (EACCES for root in some sandboxes, as on the machine this was written on) msb refuses it as unreadable.
  {
    name: '/proc/1/ns/net',
    linux: () => netns('/proc/1/ns/net'),
    message: /network namespace \/proc\/1\/ns\/net (is the host's|does not exist or cannot be read)/,
  },
  { name: '/proc/thread-self/ns/net', linux: () => netns('/proc/thread-self/ns/net'), message: /is the host's/ },
  {
    name: "a host process's netns by pid (--network container: of a host-network container)",
    linux: () => netns(`/proc/${process.pid}/ns/net`),
    message: /is the host's/,
  },
  { name: 'a path through ..', linux: () => netns('/proc/self/../1/ns/net'), message: /(is the host's|does not exist or cannot be read)/ },
  { name: 'a path through .. to this process', linux: () => netns(`/proc/1/../${process.pid}/ns/net`), message: /is the host's/ },
  {
    name: 'a symlink to /proc/1/ns/net',
    linux: (d) => (symlinkSync('/proc/1/ns/net', join(d, 'hostns')), netns(join(d, 'hostns'))),
    message: /hostns (is the host's|does not exist or cannot be read)/,
  },
  {
    name: 'a symlink to a symlink to /proc/self/ns/net',
    linux: (d) => (symlinkSync('/proc/self/ns/net', join(d, 'a')), symlinkSync(join(d, 'a'), join(d, 'b')), netns(join(d, 'b'))),
    message: /\/b is the host's/,
  },
  {
    name: "a new netns, then the host's as a second entry",
    linux: () => ({ namespaces: [{ type: 'network' }, { type: 'network', path: '/proc/1/ns/net' }] }),
    message: /names the network namespace 2 times/,
  },
];

describe.each(['gvisor', 'krun'])('%s: the host network namespace is refused before the backend runs', (isolation) => {
  it.each(ROWS)('$name', (row) => {
    writeSpec(row.linux(dir));
    const before = readFileSync(join(bundle, 'config.json'));
    const err = thrownMsbError(() => create(globals(isolation), `c${n}`, { bundle }, {}));
    expect(['forbidden', 'invalid-spec']).toContain(err.code);
    expect(err.message).toMatch(row.message);
    expect(err.message.startsWith(`${isolation}: `)).toBe(true);
    expect(calls()).toEqual([]);
    expect(existsSync(join(dir, 'root', 'msb', 'containers'))).toBe(false);
    expect(readFileSync(join(bundle, 'config.json')).equals(before)).toBe(true);
  });
});

describe('the stand-in is reachable (so "never called" above means something)', () => {
  it('a private network namespace reaches runsc create', () => {
    writeSpec(netns());
    create(globals('gvisor'), `c${n}`, { bundle }, {});
    const made = calls();
    expect(made[0]).toEqual(['--version']);
    expect(made.some((c) => c.includes('create'))).toBe(true);
  });
});

// A bind-mounted copy of the host's netns file (as `ip netns attach` makes): only root can make
// one, in a private mount namespace (unshare) so nothing is left on the host; the runtime runs
// there as Docker would run it, through shim/msb-runtime.
const shim = fileURLToPath(new URL('../../../shim/msb-runtime', import.meta.url));
const bundled = fileURLToPath(new URL('../../../dist/msb-runtime.cjs', import.meta.url));
const unshare = which('unshare');
const bindSkip =
  process.getuid?.() !== 0
    ? 'not root (a bind mount needs it)'
    : !unshare
      ? 'unshare not found'
      : !existsSync(bundled)
        ? `${bundled} missing (run npm run build)`
        : undefined;
if (bindSkip) console.warn(`SKIP bind-mounted host netns in host-network-refusal.test.ts: ${bindSkip}`);

describe.skipIf(bindSkip !== undefined)("a bind-mounted copy of the host's netns file", () => {
  it.each(['gvisor', 'krun'])('%s refuses it through shim/msb-runtime, before the backend runs', (isolation) => {
    const copy = join(dir, 'netns-copy');
    writeFileSync(copy, '');
    writeSpec(netns(copy));
    const g = globals(isolation);
    const r = spawnSync(
      unshare ?? 'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        'mount --bind /proc/self/ns/net "$0" && exec "$@"',
        copy,
        shim,
        '--root',
        g.root,
        '--log',
        g.log ?? '',
        '--log-format',
        'json',
        '--policy',
        policy,
        '--isolation',
        isolation,
        'create',
        '--bundle',
        bundle,
        `c${n}`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toBe(`msb: ${isolation}: network namespace ${copy} is the host's, which msb does not allow; use a Docker network\n`);
    expect(r.status).toBe(1);
    expect(calls()).toEqual([]);
    expect(existsSync(join(g.root, 'msb', 'containers'))).toBe(false);
    expect(readFileSync(copy, 'utf8')).toBe(''); // the mount went with the private namespace
  });
});
