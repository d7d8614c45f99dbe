// The demo stack's report (scripts/demo-stack.sh, run by `npm run demo`), under a runtime alias
// registered from this checkout: each service is in gVisor and sees its kernel, the discovery
// line is there and agrees with the exit status (OK only with msb's DNS relay, docs/dns.md), and
// the stack is gone afterwards.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerSkipReason, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const ALIAS = 'msb-fleet-demo';
const msbctl = join(repoRoot, 'shim/msbctl');
const compose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const skipReason = dockerSkipReason() ?? (compose.status === 0 ? undefined : 'docker-compose is not installed (scripts/provision.sh installs it)');
if (skipReason) console.warn(`SKIP demo-stack suite: ${skipReason}`);

beforeAll(async () => {
  if (skipReason) return;
  const r = spawnSync(msbctl, ['install', '--name', ALIAS, '--path', join(repoRoot, 'shim/msb-runtime')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl install: ${r.stderr}`);
  if (!(await waitUntil(() => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${ALIAS}"`))))
    throw new Error(`dockerd did not load ${ALIAS}`);
});

afterAll(() => {
  if (skipReason) return;
  spawnSync(msbctl, ['uninstall', '--name', ALIAS], { encoding: 'utf8' });
});

describe.skipIf(skipReason)('demo stack report', () => {
  it('reports gVisor and its kernel for both services, an honest discovery line, and tears the stack down', () => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/demo-stack.sh')], {
      encoding: 'utf8',
      env: { ...process.env, MSB_DEMO_RUNTIME: ALIAS },
      timeout: 120_000,
    });
    for (const service of ['web', 'client']) expect(r.stdout).toMatch(new RegExp(`^   ${service} +4\\.4\\.0 +gvisor +runsc \\S+, platform \\w+$`, 'm'));
    const discovery = /^ {3}service discovery: (OK|FAILED): (.*)$/m.exec(r.stdout);
    expect(discovery, r.stdout + r.stderr).not.toBeNull();
    if (discovery![1] === 'OK') expect(discovery![2]).toBe('the client fetched http://web/ by service name: "hello from the web service"');
    else expect(r.stdout).toContain("so service names resolve only with msb's DNS relay");
    expect(r.status).toBe(discovery![1] === 'OK' ? 0 : 1);
    expect(docker(['ps', '-a', '-q', '--filter', 'label=com.docker.compose.project=msbdemo']).stdout).toBe('');
    expect(docker(['network', 'inspect', 'msbdemo_demo']).status).not.toBe(0);
  });
});
