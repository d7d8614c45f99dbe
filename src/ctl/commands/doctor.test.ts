import { describe, expect, it } from 'vitest';
import { fakeHost } from '../doctor/fake-host.js';
import { doctor } from './doctor.js';

// The fake host's runsc is release-20240807 and needs no workaround; its platform probe answers.
const HEALTHY = { commands: { '/usr/bin/runsc --root /tmp/msb-doctor-test/runsc-systrap --network=none --platform=systrap do uname -r': '4.4.0\n' } };

async function run(json: boolean, spec = HEALTHY): Promise<{ status: number; out: string }> {
  let out = '';
  const status = await doctor({ json, verbose: false, config: '/etc/docker/daemon.json' }, fakeHost(spec), (t) => void (out += t));
  return { status, out };
}

describe('msbctl doctor', () => {
  it('exits 0 on a healthy host and prints every check once', async () => {
    const { status, out } = await run(false);
    expect(status).toBe(0);
    expect(out.split('\n').filter((l) => /^(OK|SKIP) /.test(l))).toHaveLength(18);
    expect(out).toMatch(/^msb \S+: 0 fail, 0 warn, 18 ok, 0 skip \(exit 0\)$/m);
  });

  it('prints the JSON report with the exit status it returns', async () => {
    const { status, out } = await run(true, { ...HEALTHY, docker: new Error('connect ENOENT') } as typeof HEALTHY);
    const report = JSON.parse(out) as { schemaVersion: number; status: string; exitCode: number; checks: { id: string; status: string }[] };
    expect(status).toBe(2);
    expect(report).toMatchObject({ schemaVersion: 1, status: 'fail', exitCode: 2 });
    expect(report.checks.find((c) => c.id === 'docker-engine')?.status).toBe('fail');
  });
});
