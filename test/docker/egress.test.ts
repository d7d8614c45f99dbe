// Egress profile selection through real `docker run`: an unknown profile, a profile the runtime
// does not allow, an invalid rule, and a profile gVisor cannot enforce in this build (a bandwidth
// limit; test/docker/egress-enforce.test.ts runs the profiles it enforces) each fail with msb's one-line reason and leave nothing; allow-all (the default) runs as before.
// Each case is a runtime alias in daemon.json, registered with msbctl (docs/egress.md).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerSkipReason, msbLeftovers, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP docker egress suite: ${skipReason}`);

const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const inject = join(repoRoot, 'test/support/wrappers/inject-annotation.sh');
const dir = mkdtempSync(join(tmpdir(), 'msb-i14-egress-'));
chmodSync(dir, 0o755);
const badRulePolicy = join(dir, 'bad-rule.json');
const policy = join(dir, 'policy.json');
const bandwidthPolicy = join(dir, 'bandwidth.json');

interface Case {
  label: string;
  name: string;
  path: string;
  args: string[];
  message?: string;
}

const failures: Case[] = [
  {
    label: 'an unknown profile',
    name: 'msb-i14-unknown',
    path: inject,
    args: ['--annotation', 'io.msb.egress=nope', `--policy=${policy}`],
    message: 'msb: unknown egress profile "nope" (from annotation io.msb.egress); known: allow-all, public-only, airgapped, pypi-only',
  },
  {
    label: 'a profile not allowed for the runtime',
    name: 'msb-i14-forbidden',
    path: inject,
    args: ['--annotation', 'io.msb.egress=allow-all', '--egress=public-only', `--policy=${policy}`],
    message: `msb: egress profile "allow-all" (from annotation io.msb.egress) is not allowed for this runtime by policy ${policy} (allowed: public-only, pypi-only)`,
  },
  {
    label: 'an invalid rule',
    name: 'msb-i14-badrule',
    path: runtime,
    args: [`--policy=${badRulePolicy}`],
    message: `msb: policy ${badRulePolicy}: egress profile "pypi-only": egress rule "allow@pypi.org:tcp:99999": "99999" is not a port`,
  },
  {
    label: 'a profile gVisor cannot enforce (a one-time bandwidth burst)',
    name: 'msb-i14-gvisor',
    path: runtime,
    args: ['--egress=slow', `--policy=${bandwidthPolicy}`],
    message:
      'msb: gvisor: egress profile "slow" cannot be enforced for this container by this msb build: egressBandwidthBurst 1M (a one-time burst) has no tc equivalent for gVisor',
  },
];
const allowAll: Case = {
  label: 'allow-all by annotation',
  name: 'msb-i14-allowall',
  path: inject,
  args: ['--annotation', 'io.msb.egress=allow-all', `--policy=${policy}`],
};
const all = [...failures, allowAll];

function ctl(args: string[]): void {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  if (skipReason) return;
  const pypi = { rules: ['allow@pypi.org:tcp:443,allow@files.pythonhosted.org:tcp:443'] };
  writeFileSync(policy, JSON.stringify({ egress: { runtimes: { 'public-only': ['public-only', 'pypi-only'] }, profiles: { 'pypi-only': pypi } } }));
  writeFileSync(
    bandwidthPolicy,
    JSON.stringify({ egress: { profiles: { slow: { rules: ['allow@public'], egressBandwidth: '10M/1s', egressBandwidthBurst: '1M' } } } }),
  );
  writeFileSync(badRulePolicy, JSON.stringify({ egress: { profiles: { 'pypi-only': { rules: ['allow@pypi.org:tcp:99999'] } } } }));
  for (const c of all) ctl(['install', '--name', c.name, '--path', c.path, ...c.args.flatMap((a) => ['--runtime-arg', a])]);
  const registered = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return all.every((c) => info.includes(`"${c.name}"`));
  });
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
}, 60_000);

afterAll(() => {
  if (!skipReason) for (const c of all) ctl(['uninstall', '--name', c.name]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('docker run and egress profiles', () => {
  it.each(failures)("$label fails with msb's reason and leaves nothing", (c) => {
    const cid = join(dir, `${c.name}.cid`);
    const r = docker(['run', '--rm', '--cidfile', cid, `--runtime=${c.name}`, 'local/busybox', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain(c.message);
    const id = readFileSync(cid, 'utf8').trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    docker(['rm', '-f', id]);
    expect(msbLeftovers(id)).toEqual([]);
  });

  it('allow-all (the default) runs as before', () => {
    const r = docker(['run', '--rm', `--runtime=${allowAll.name}`, 'local/busybox', 'echo', 'ok']);
    expect([r.status, r.stdout.trim()]).toEqual([0, 'ok']);
  });
});
