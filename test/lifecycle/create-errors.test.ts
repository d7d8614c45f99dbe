// Bad input to create: each case fails with msb's own one-line reason (last --log line, stderr,
// non-zero exit) and leaves nothing behind: no record, no backend state, no process, no mount,
// and the bundle's config.json exactly as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { which } from '../../src/base/which.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLogLine, leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, type BundleOptions, tempDir } from '../support/runtime.js';

const skipReason = process.getuid?.() !== 0 ? 'needs root' : spawnSync('runsc', ['--version']).status !== 0 ? 'runsc is not installed' : undefined;
if (skipReason) console.warn(`SKIP create-errors suite: ${skipReason}`);

const dir = tempDir('msb-create-errors-');
let rootfs = '';
beforeAll(() => {
  if (!skipReason) rootfs = makeRootfs(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  bundle?: BundleOptions;
  rawConfig?: string;
  globals?: string[];
  policy?: string;
  /** Changes the bundle after it is written (config.json that is not a file, a missing rootfs). */
  setup?: (bundle: string, id: string) => void;
  /** False when the backend ran and printed its own line first (runsc writes to the stderr it shares with the container). */
  onlyMsbOnStderr?: boolean;
  message: RegExp;
}

/** replaceConfig puts something else where the bundle's config.json was. */
function replaceConfig(bundle: string, make: (path: string) => void): void {
  rmSync(join(bundle, 'config.json'));
  make(join(bundle, 'config.json'));
}

/** configState is config.json's content when it is a regular file, else what it is (never reading a FIFO or a device). */
function configState(bundle: string): string {
  const path = join(bundle, 'config.json');
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return `symlink to ${readlinkSync(path)}`;
  return st.isFile() ? readFileSync(path, 'utf8') : `mode ${st.mode.toString(8)}`;
}

const runc = which('runc');

const cases: Case[] = [
  { name: 'malformed config.json', rawConfig: '{"ociVersion": "1.0.2", "root": ', message: /config\.json: malformed JSON/ },
  {
    name: 'a field of the wrong type',
    bundle: { mutate: (s) => ((s.mounts as Record<string, unknown>[])[1] = { destination: 42 }) },
    message: /config\.json: field mounts\.1\.destination must be string/,
  },
  { name: 'a missing root', bundle: { mutate: (s) => delete s.root }, message: /field \(top level\) must have required property 'root'/ },
  {
    name: 'an unknown backend from runtimeArgs',
    globals: ['--isolation=bogus'],
    message: /unknown isolation "bogus" \(from runtime argument --isolation\); known: gvisor/,
  },
  {
    name: 'krun without its runc',
    globals: ['--isolation=krun'],
    policy: '{"krun": {"runc": "/nonexistent/runc"}}',
    message: /krun: \/nonexistent\/runc not found \(policy krun\.runc=/,
  },
  {
    name: 'a bad annotation value',
    bundle: { annotations: { 'io.msb.isolation': 'GVISOR; rm -rf /' } },
    message: /annotation io\.msb\.isolation="GVISOR; rm -rf \/" is invalid/,
  },
  { name: 'an unknown io.msb annotation', bundle: { annotations: { 'io.msb.turbo': 'on' } }, message: /unknown annotation io\.msb\.turbo/ },
  {
    name: 'a runsc flag override annotation',
    bundle: { annotations: { 'dev.gvisor.flag.network': 'host' } },
    message: /annotation dev\.gvisor\.flag\.network is not allowed/,
  },
  { name: 'the host network namespace', bundle: { network: 'none-in-spec' }, message: /host network namespace/ },
  { name: 'a missing runsc', policy: '{"gvisor": {"runsc": "/nonexistent/runsc"}}', message: /gvisor: runsc not found/ },
  { name: 'a malformed policy', policy: '{"gvisor": {"runsc": 7}}', message: /policy .*: field gvisor\.runsc must be string/ },
  {
    name: 'a policy that does not allow the backend',
    policy: '{"isolation": {"allowed": ["krun"]}}',
    message: /isolation "gvisor" .* is not allowed by policy/,
  },
  {
    name: 'a runsc that fails',
    bundle: { args: [] as string[], mutate: (s) => ((s.process as Record<string, unknown>).args = []) },
    onlyMsbOnStderr: false,
    message: /gvisor: create failed \(exit \d+\)/,
  },
  // Issue 15: found by an adversarial probe.
  {
    name: 'config.json that is a FIFO (create used to block for good)',
    setup: (b) => replaceConfig(b, (p) => execFileSync('mkfifo', [p])),
    message: /config\.json .* is a FIFO, not a regular file; msb reads only regular files/,
  },
  {
    name: 'config.json linked to /dev/zero (create used to read until the OOM killer)',
    setup: (b) => replaceConfig(b, (p) => symlinkSync('/dev/zero', p)),
    message: /config\.json .* is a character device, not a regular file/,
  },
  {
    name: 'gvisor.runsc that is /bin/true (create used to "succeed" with no sandbox)',
    policy: '{"gvisor": {"runsc": "/bin/true"}}',
    message: /^msb: gvisor: policy gvisor\.runsc names \/bin\/true, which is not runsc: `\/bin\/true --version` printed/,
  },
  ...(runc
    ? [
        {
          name: `gvisor.runsc that is runc (${runc})`,
          policy: JSON.stringify({ gvisor: { runsc: runc } }),
          message: /which is not runsc: `.*runc --version` printed "runc version /,
        },
      ]
    : []),
  { name: 'a relative gvisor.runsc', policy: '{"gvisor": {"runsc": "usr/bin/runsc"}}', message: /gvisor\.runsc "usr\/bin\/runsc" is a relative path/ },
  {
    name: 'a pod container whose sandbox does not exist (runsc used to leave X_sandbox:X.lock)',
    setup: (b, id) => {
      const path = join(b, 'config.json');
      const spec = JSON.parse(readFileSync(path, 'utf8')) as { annotations?: Record<string, string> };
      spec.annotations = { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': `pod-${id}` };
      writeFileSync(path, JSON.stringify(spec));
    },
    message: /gvisor: annotation io\.kubernetes\.cri\.sandbox-id names sandbox pod-.*, which does not exist under/,
  },
  {
    name: 'a missing root filesystem (runsc said only "cannot read client sync file: EOF")',
    bundle: { mutate: (s) => ((s.root as Record<string, unknown>).path = 'no-such-rootfs') },
    message: /the container's root filesystem .* \(config\.json root\.path\) cannot be used: no such file or directory \(ENOENT\)/,
  },
];

describe.skipIf(skipReason !== undefined)('create refuses bad input and leaves nothing behind', () => {
  it.each(cases)('$name', (c) => {
    const rt = makeRuntime(`err-${cases.indexOf(c)}`, MSB_RUNTIME, dir);
    const id = `bad-${cases.indexOf(c)}-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id, c.bundle);
    if (c.rawConfig !== undefined) writeFileSync(join(bundle, 'config.json'), c.rawConfig);
    c.setup?.(bundle, id);
    const before = configState(bundle);
    const globals = [...(c.globals ?? [])];
    if (c.policy !== undefined) {
      const policy = join(dir, `policy-${id}.json`);
      writeFileSync(policy, c.policy);
      globals.push('--policy', policy);
    }
    rt.globals.unshift(...globals);
    const r = run(rt, ['create', '--bundle', bundle, '--pid-file', join(bundle, 'init.pid'), id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(c.message);
    // msb refused before any backend ran: its sentence is all there is on stderr.
    if (c.onlyMsbOnStderr !== false) expect(r.stderr).toMatch(/^msb: [^\n]*\n$/);
    const line = lastLogLine(rt);
    expect(line?.level).toBe('error');
    expect(line?.msg).toMatch(/^msb: /);
    expect(line?.msg).toMatch(c.message);
    expect(line?.msg).not.toContain('\n');
    expect(existsSync(join(rt.root, 'msb/containers', id))).toBe(false);
    expect(leftovers(rt, id)).toEqual([]);
    expect(configState(bundle)).toBe(before);
  });

  it('a second create with the same id fails and leaves the first container working', () => {
    const rt = makeRuntime('dup', MSB_RUNTIME, dir);
    const id = `dup-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id);
    expect(run(rt, ['create', '--bundle', bundle, id]).status).toBe(0);
    const again = run(rt, ['create', '--bundle', bundle, id]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain(`container with id ${id} already exists`);
    expect(run(rt, ['start', id]).status).toBe(0);
    expect(JSON.parse(run(rt, ['state', id]).stdout).status).toBe('running');
    expect(run(rt, ['delete', '--force', id]).status).toBe(0);
    expect(leftovers(rt, id)).toEqual([]);
  });
});
