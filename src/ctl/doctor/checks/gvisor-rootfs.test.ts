import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { gvisorRootfsCheck } from './gvisor-rootfs.js';

const policy = (gvisor: object): Record<string, string> => ({ '/etc/msb/policy.json': JSON.stringify({ gvisor }) });
const OLD = { '/usr/bin/runsc --version': 'runsc version 0.0~20221219.0\n' };

describe('gvisorRootfsCheck', () => {
  it('default: ok, Docker sees the writes, and the trade is named', () => {
    const r = gvisorRootfsCheck.run(fakeContext({})) as Finding;
    expect(r.status).toBe('ok');
    expect(r.summary).toMatch(
      /^rootfs writes go to Docker's container layer \(runsc --overlay2=none\): docker diff, cp, commit and export see them and restart keeps them; runsc's in-sandbox overlay would be faster/,
    );
    expect(r.facts).toEqual({ rootfsWrites: 'docker', annotationAllowed: false, runscFlag: '--overlay2=none' });
    expect(r.detail).toMatch(/annotation io\.msb\.gvisor\.rootfs-writes is refused/);
  });

  it('sandbox: warns that Docker misses the writes and a restart drops them', () => {
    const r = gvisorRootfsCheck.run(fakeContext({ files: policy({ rootfsWrites: 'sandbox', allowRootfsWritesAnnotation: true }) })) as Finding;
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(
      /runsc --overlay2=root:self\) \(policy gvisor\.rootfsWrites=sandbox\): docker diff, cp, commit and export miss them, and docker restart or stop\/start throws them away/,
    );
    expect(r.fix).toMatch(/gvisor\.rootfsWrites to "docker"/);
    expect(r.facts?.annotationAllowed).toBe(true);
  });

  it('sandbox on runsc 0.0~20221219: the overlay lives in memory', () => {
    const r = gvisorRootfsCheck.run(fakeContext({ files: policy({ rootfsWrites: 'sandbox' }), commands: OLD })) as Finding;
    expect(r.facts?.runscFlag).toBe('--overlay2=root:memory');
  });
});
