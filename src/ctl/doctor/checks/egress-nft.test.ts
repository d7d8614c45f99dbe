import { describe, expect, it } from 'vitest';
import type { Finding } from '../check.js';
import { fakeContext, type FakeHostSpec } from '../fake-host.js';
import { egressNftCheck } from './egress-nft.js';

const NFT = '/usr/sbin/nft';
const MAKE = `${NFT} add table inet msb_doctor_probe ; add chain inet msb_doctor_probe probe { type filter hook ingress device lo priority -500 ; policy accept ; }`;
const DROP = `${NFT} delete table inet msb_doctor_probe`;
const PUBLIC = '{"egress":{"allowed":["public-only"]}}';
const PUBLIC_DEFAULT = '{"egress":{"default":"public-only"}}';

function spec(policy: string | undefined, which: string | undefined, make: string | { status: number; stdout: string; stderr: string }): FakeHostSpec {
  return {
    files: { '/etc/msb/policy.json': policy },
    which: { nft: which },
    commands: { [`${NFT} --version`]: 'nftables v1.0.6 (Lester Gooch #5)\n', [MAKE]: make, [DROP]: '' },
  };
}

describe('egressNftCheck', () => {
  it.each([
    { name: 'only allow-all can be chosen', s: spec('{"egress":{"allowed":[]}}', NFT, ''), status: 'skip', summary: 'nothing is enforced' },
    { name: 'nft works', s: spec(PUBLIC, NFT, ''), status: 'ok', summary: 'makes inet tables with ingress-hook chains: egress profiles public-only' },
    { name: 'nft missing, profile choosable', s: spec(PUBLIC, undefined, ''), status: 'warn', summary: 'nft not found on PATH' },
    { name: 'nft missing, profile is the default', s: spec(PUBLIC_DEFAULT, undefined, ''), status: 'fail', summary: 'nft not found on PATH' },
    {
      name: 'kernel refuses the chain',
      s: spec(PUBLIC, NFT, { status: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory\n' }),
      status: 'warn',
      summary: 'cannot make an inet table with an ingress-hook chain: Error: Could not process rule',
    },
  ])('$name → $status', ({ s, status, summary }) => {
    const r = egressNftCheck.run(fakeContext(s)) as Finding;
    expect(r.status).toBe(status);
    expect(r.summary).toContain(summary);
    if (status === 'warn' || status === 'fail') expect(r.fix).toContain('apt-get install nftables');
  });
});
