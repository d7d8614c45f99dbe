// Bad input to create: each case fails with msb's own one-line reason (last --log line, stderr,
// non-zero exit) and leaves nothing behind: no record, no backend state, no process, no mount,
// and the bundle's config.json exactly as it was.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLogLine, leftovers, makeBundle, makeRootfs, makeRuntime, MSB_RUNTIME, run, type BundleOptions, tempDir } from '../support/runtime.js';

const skipReason =
  process.getuid?.() !== 0 ? 'needs root' : spawnSync('runsc', ['--version']).status !== 0 ? 'runsc is not installed' : undefined;
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
  message: RegExp;
}

const cases: Case[] = [
  { name: 'malformed config.json', rawConfig: '{"ociVersion": "1.0.2", "root": ', message: /config\.json: malformed JSON/ },
  {
    name: 'a field of the wrong type',
    bundle: { mutate: (s) => ((s.mounts as Record<string, unknown>[])[1] = { destination: 42 }) },
    message: /config\.json: field mounts\.1\.destination must be string/,
  },
  { name: 'a missing root', bundle: { mutate: (s) => delete s.root }, message: /field \(top level\) must have required property 'root'/ },
  { name: 'an unknown backend from runtimeArgs', globals: ['--isolation=bogus'], message: /unknown isolation "bogus" \(from runtime argument --isolation\); known: gvisor/ },
  { name: 'krun without its runc', globals: ['--isolation=krun'], policy: '{"krun": {"runc": "/nonexistent/runc"}}', message: /krun: \/nonexistent\/runc not found \(policy krun\.runc=/ },
  { name: 'a bad annotation value', bundle: { annotations: { 'io.msb.isolation': 'GVISOR; rm -rf /' } }, message: /annotation io\.msb\.isolation="GVISOR; rm -rf \/" is invalid/ },
  { name: 'an unknown io.msb annotation', bundle: { annotations: { 'io.msb.turbo': 'on' } }, message: /unknown annotation io\.msb\.turbo/ },
  { name: 'a runsc flag override annotation', bundle: { annotations: { 'dev.gvisor.flag.network': 'host' } }, message: /annotation dev\.gvisor\.flag\.network is not allowed/ },
  { name: 'the host network namespace', bundle: { network: 'none-in-spec' }, message: /host network namespace/ },
  { name: 'a missing runsc', policy: '{"gvisor": {"runsc": "/nonexistent/runsc"}}', message: /gvisor: runsc not found/ },
  { name: 'a malformed policy', policy: '{"gvisor": {"runsc": 7}}', message: /policy .*: field gvisor\.runsc must be string/ },
  { name: 'a policy that does not allow the backend', policy: '{"isolation": {"allowed": ["krun"]}}', message: /isolation "gvisor" .* is not allowed by policy/ },
  { name: 'a runsc that fails', bundle: { args: [] as string[], mutate: (s) => ((s.process as Record<string, unknown>).args = []) }, message: /gvisor: create failed \(exit \d+\)/ },
];

describe.skipIf(skipReason !== undefined)('create refuses bad input and leaves nothing behind', () => {
  it.each(cases)('$name', (c) => {
    const rt = makeRuntime(`err-${cases.indexOf(c)}`, MSB_RUNTIME, dir);
    const id = `bad-${cases.indexOf(c)}-${process.pid}`;
    const bundle = makeBundle(dir, rootfs, id, c.bundle);
    if (c.rawConfig !== undefined) writeFileSync(join(bundle, 'config.json'), c.rawConfig);
    const before = readFileSync(join(bundle, 'config.json'), 'utf8');
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
    const line = lastLogLine(rt);
    expect(line?.level).toBe('error');
    expect(line?.msg).toMatch(/^msb: /);
    expect(line?.msg).toMatch(c.message);
    expect(line?.msg).not.toContain('\n');
    expect(existsSync(join(rt.root, 'msb/containers', id))).toBe(false);
    expect(leftovers(rt, id)).toEqual([]);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(before);
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
