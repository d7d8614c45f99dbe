import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateOci } from '../../test/support/oci-schemas.js';
import { ociSchemaDir, sharedSkipReason, specExample } from '../../test/support/paths.js';
import type { Spec } from '../base/spec.js';
import { addNetworkSnapshotHook } from '../dns/network-snapshot-hook.js';
import { BACKENDS } from '../isolation/backends.js';
import { checkNetworkNamespace } from '../isolation/network-namespace.js';
import { hostLibraries } from '../isolation/krun/host-libraries.js';
import { krunFields } from '../isolation/krun/krun-support.js';
import { GUEST_BIND_FLAGS, GUEST_TMPFS_OPTIONS } from '../isolation/krun/vm-mounts.js';
import { features, HOOKS, MOUNT_OPTIONS, NAMESPACES } from './features.js';

describe('features', () => {
  it('reports the hooks, mount options and namespaces lists', () => {
    const doc = features('1.2.3');
    expect(doc.hooks).toEqual(HOOKS);
    expect(doc.mountOptions).toEqual(MOUNT_OPTIONS);
    expect((doc.linux as { namespaces: string[] }).namespaces).toEqual(NAMESPACES);
  });

  it('lists the namespace msb acts on: network, which create requires', () => {
    expect(NAMESPACES).toContain('network');
    const spec = (namespaces: { type: string }[]): Spec => ({ ociVersion: '1.0.2', root: { path: 'rootfs' }, linux: { namespaces } });
    expect(() => checkNetworkNamespace(spec(NAMESPACES.filter((t) => t !== 'network').map((type) => ({ type }))), 'gvisor', () => undefined)).toThrow(
      /host network namespace/,
    );
    expect(() => checkNetworkNamespace(spec(NAMESPACES.map((type) => ({ type }))), 'gvisor', () => undefined)).not.toThrow();
  });

  it('lists the hook phase msb adds its own hook to, in either of the places Docker puts libnetwork-setkey', () => {
    const setkey = { path: '/usr/bin/dockerd', args: ['libnetwork-setkey', 'id', 'ctl'] };
    for (const hooks of [{}, { prestart: [setkey] }, { createRuntime: [setkey] }]) {
      const out = addNetworkSnapshotHook({ ociVersion: '1.0.2', root: { path: 'rootfs' }, hooks }, '/d');
      for (const phase of Object.keys(out.hooks as object)) expect(HOOKS).toContain(phase);
    }
  });

  it('lists every mount flag msb writes into a spec or carries into a microVM', () => {
    const libs = hostLibraries({ kind: () => 'directory', readlink: () => '' });
    const written = libs.mounts.flatMap((m) => m.options ?? []);
    expect(written.length).toBeGreaterThan(0);
    for (const o of [...written, ...GUEST_BIND_FLAGS, ...GUEST_TMPFS_OPTIONS, 'bind', 'private']) expect(MOUNT_OPTIONS).toContain(o);
  });

  it('leaves out the propagation runsc refuses on bind mounts (runsc/specutils/fs.go invalidOptions)', () => {
    expect(MOUNT_OPTIONS).not.toContain('shared');
    expect(MOUNT_OPTIONS).not.toContain('rshared');
  });

  it('returns copies: changing the document does not change the lists', () => {
    const doc = features('1.2.3');
    (doc.hooks as string[]).push('bogus');
    (features('x').linux as { namespaces: string[] }).namespaces.length = 0;
    expect(HOOKS).not.toContain('bogus');
    expect(NAMESPACES.length).toBeGreaterThan(0);
  });

  it("names msb's version, backends and annotations under io.msb keys", () => {
    expect(features('9.9.9').annotations).toMatchObject({
      'io.msb.version': '9.9.9',
      'io.msb.backends': Object.keys(BACKENDS).join(','),
      'io.msb.annotations':
        'io.msb.isolation,io.msb.egress,io.msb.control-socket,io.msb.gvisor.rootfs-writes,io.msb.krun.memory,io.msb.krun.cpus,io.msb.krun.docker-volume,dev.gvisor.flag.host-uds',
    });
    expect(Object.keys(BACKENDS)).toContain('gvisor');
  });

  it("reports the krun backend's translation table from the list docs/krun.md shows", () => {
    const a = features('x').annotations as Record<string, string>;
    for (const h of ['mapped', 'approximated', 'refused'] as const) expect(a[`io.msb.krun.${h}`]).toBe(krunFields(h).join('; '));
    expect(a['io.msb.krun.refused']).toContain('--privileged');
  });

  it('says which backends checkpoint, and what gVisor does with each runc checkpoint/restore flag', () => {
    const a = features('x').annotations as Record<string, string>;
    expect(a['io.msb.checkpoint.backends']).toBe('gvisor');
    expect((a['io.msb.checkpoint.gvisor.passed'] ?? '').split(',')).toEqual(
      expect.arrayContaining(['image-path', 'leave-running', 'detach', 'bundle', 'pid-file', 'console-socket']),
    );
    expect((a['io.msb.checkpoint.gvisor.no-op'] ?? '').split(',')).toEqual(
      expect.arrayContaining(['work-path', 'tcp-established', 'manage-cgroups-mode=soft|ignore', 'empty-ns=network']),
    );
    expect((a['io.msb.checkpoint.gvisor.refused'] ?? '').split(',')).toEqual(
      expect.arrayContaining(['pre-dump', 'lazy-pages', 'page-server', 'manage-cgroups-mode (other values)']),
    );
  });

  it('declares OCI 1.0.0 to 1.1.0', () => {
    expect(features('x')).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.1.0' });
  });

  it('has no duplicate list entries', () => {
    for (const list of [HOOKS, MOUNT_OPTIONS, NAMESPACES]) expect(new Set(list).size).toBe(list.length);
  });
});

const skip = sharedSkipReason(ociSchemaDir);
if (skip) console.warn(`SKIP features schema validation: ${skip}`);

describe.skipIf(skip !== undefined)('features against the official features-schema.json (draft-04)', () => {
  it('validates', () => {
    expect(validateOci('features-schema.json', features('0.1.0'))).toEqual([]);
  });

  it("the validator is not vacuous: the spec's bad example and a broken document fail", () => {
    const bad = JSON.parse(readFileSync(specExample('features', 'bad', 'missing-ociVersionMax.json'), 'utf8')) as unknown;
    expect(validateOci('features-schema.json', bad)).not.toEqual([]);
    const broken = features('0.1.0');
    (broken.linux as { namespaces: string[] }).namespaces = ['network', 'not-a-namespace'];
    expect(validateOci('features-schema.json', broken)).not.toEqual([]);
    expect(validateOci('features-schema.json', { ...features('0.1.0'), annotations: { 'io.msb.version': 1 } })).not.toEqual([]);
  });

  it("the spec's good runc example validates too", () => {
    const runc = JSON.parse(readFileSync(specExample('features', 'good', 'runc.json'), 'utf8')) as unknown;
    expect(validateOci('features-schema.json', runc)).toEqual([]);
  });

  it("claims only hooks, mount options and namespaces runc recognises too (krun's VMM container is runc's)", () => {
    const runc = JSON.parse(readFileSync(specExample('features', 'good', 'runc.json'), 'utf8')) as {
      hooks: string[];
      mountOptions: string[];
      linux: { namespaces: string[] };
    };
    expect(runc.hooks).toEqual(expect.arrayContaining([...HOOKS]));
    expect(runc.mountOptions).toEqual(expect.arrayContaining([...MOUNT_OPTIONS]));
    expect(runc.linux.namespaces).toEqual(expect.arrayContaining([...NAMESPACES]));
  });
});
