// Bad input reaches the user as msb's own one-line reason, shown by `docker run`, and nothing
// is left behind. Each case is a runtime alias in daemon.json, registered with msbctl.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerSkipReason, msbLeftovers, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP docker error suite: ${skipReason}`);

const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const wrappers = join(repoRoot, 'test/support/wrappers');
const dir = mkdtempSync(join(tmpdir(), 'msb-docker-errors-'));
const missingRunscPolicy = join(dir, 'policy-missing-runsc.json');

interface Case {
  label: string;
  name: string;
  path: string;
  args: string[];
  message: string;
}

const cases: Case[] = [
  {
    label: 'an unknown backend',
    name: 'msb-test-bogus',
    path: runtime,
    args: ['--isolation=bogus'],
    message: 'msb: unknown isolation "bogus" (from runtime argument --isolation); known: gvisor',
  },
  {
    label: 'a missing runsc',
    name: 'msb-test-norunsc',
    path: runtime,
    args: [`--policy=${missingRunscPolicy}`],
    message: 'msb: gvisor: runsc not found (policy gvisor.runsc="/nonexistent/runsc"',
  },
  { label: 'a malformed config.json', name: 'msb-test-corrupt', path: join(wrappers, 'corrupt-config.sh'), args: [], message: 'config.json: malformed JSON' },
  {
    label: 'a bad annotation value',
    name: 'msb-test-annotation',
    path: join(wrappers, 'inject-annotation.sh'),
    // Docker 20.10 writes runtimeArgs into a wrapper script unquoted: no spaces in the value.
    args: ['--annotation', 'io.msb.isolation=GVisor'],
    message: 'msb: annotation io.msb.isolation="GVisor" is invalid: expected a backend name such as "gvisor"',
  },
];

function ctl(args: string[]): void {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  if (skipReason) return;
  writeFileSync(missingRunscPolicy, JSON.stringify({ gvisor: { runsc: '/nonexistent/runsc' } }));
  for (const c of cases) ctl(['install', '--name', c.name, '--path', c.path, ...c.args.flatMap((a) => ['--runtime-arg', a])]);
  const registered = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return cases.every((c) => info.includes(`"${c.name}"`));
  });
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
}, 60_000);

afterAll(() => {
  if (!skipReason) for (const c of cases) ctl(['uninstall', '--name', c.name]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)("docker run shows msb's reason for bad input", () => {
  it.each(cases)('$label', (c) => {
    const cid = join(dir, `${c.name}.cid`);
    const r = docker(['run', '--rm', '--cidfile', cid, `--runtime=${c.name}`, 'local/busybox', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain(c.message);
    const id = spawnSync('cat', [cid], { encoding: 'utf8' }).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    docker(['rm', '-f', id]);
    expect(msbLeftovers(id)).toEqual([]);
  });
});
