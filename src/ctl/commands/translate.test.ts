import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerConfig } from '../../../test/support/docker-config.js';
import { which } from '../../base/which.js';
import { translate } from './translate.js';

const fixture = dockerConfig();
const skip = 'skip' in fixture ? fixture.skip : which('runc') && which('tini-static') ? undefined : 'runc or tini-static is not installed';
console.warn(skip ? `SKIP msbctl translate: ${skip}` : `msbctl translate on Docker's config.json from ${'source' in fixture ? fixture.source : ''}`);

describe.skipIf(skip !== undefined)('msbctl translate', () => {
  const bundle = mkdtempSync(join(tmpdir(), 'msb-translate-'));
  afterAll(() => rmSync(bundle, { recursive: true, force: true }));
  writeFileSync(join(bundle, 'config.json'), 'text' in fixture ? fixture.text : '{}');
  const policy = join(bundle, 'policy.json');
  writeFileSync(policy, JSON.stringify({ krun: { vmmHeadroomMiB: 64 } }));

  it("prints the krun decision, the rewritten config.json and the VM config for Docker's bundle", () => {
    let text = '';
    translate({ bundle, id: 'abc123', policy, isolation: 'krun' }, (t) => void (text += t));
    const doc = JSON.parse(text) as {
      backend: string;
      selection: string[];
      hostCheck: { policy: string; host: string; create: string };
      config: { process: { args: string[] }; root: { readonly: boolean } };
      vm: { name: string; args: string[] };
    };
    expect(doc.backend).toBe('krun');
    expect(doc.selection).toContain('runtime argument --isolation: krun (chosen)');
    expect(doc.hostCheck.policy).toBe('enforce');
    expect(['usable', 'missing', 'inaccessible', 'kvm-pvm']).toContain(doc.hostCheck.host);
    expect(doc.config.process.args.slice(0, 7)).toEqual(['/msb/bin/tini', '-g', '--', '/bin/sh', '/msb/entry.sh', '/msb/pkg/bin/msb', 'run']);
    expect(doc.config.root.readonly).toBe(true);
    expect(doc.vm.name).toBe('c-abc123');
    expect(doc.vm.args).toEqual(['sleep', '100']);
  });

  it('shows the egress profile and its msb flags (runtime argument --egress)', () => {
    let text = '';
    translate({ bundle, id: 'abc123', policy, isolation: 'krun', egress: 'public-only' }, (t) => void (text += t));
    const doc = JSON.parse(text) as {
      egress: { profile: string; selection: string[] };
      vm: { network: { args: string[]; peersAtStart: boolean } };
      config: { process: { args: string[] } };
    };
    expect(doc.egress).toEqual({
      profile: 'public-only',
      selection: ['runtime argument --egress: public-only', 'annotation io.msb.egress: not set; profile public-only (chosen)'],
    });
    expect(doc.vm.network.args).toEqual([
      '--net-default-egress',
      'deny',
      '--net-rule',
      'allow@dns',
      '--net-rule',
      'allow@public',
      '--no-dns-rebind-protection',
    ]);
    expect(doc.vm.network.peersAtStart).toBe(true);
    expect(doc.config.process.args).toContain('@msb-egress-peers@');
    expect(doc.config.process.args).not.toContain('all');
  });

  if (!which('runsc')) console.warn('SKIP msbctl translate for gVisor: runsc is not installed');
  it.skipIf(!which('runsc'))('prints the gVisor decision without a VM config', () => {
    let text = '';
    const policyPath = join(bundle, 'gvisor.json');
    writeFileSync(policyPath, JSON.stringify({}));
    translate({ bundle, id: 'abc123', policy: policyPath }, (t) => void (text += t));
    const doc = JSON.parse(text) as { backend: string; vm?: unknown };
    expect(doc.backend).toBe('gvisor');
    expect(doc.vm).toBeUndefined();
  });
});
