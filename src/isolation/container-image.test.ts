import { describe, expect, it } from 'vitest';
import type { Spec } from '../base/spec.js';
import { dockerImageOf } from './container-image.js';

const ID = 'b'.repeat(64);
const DIR = `/var/lib/docker/containers/${ID}`;

function spec(hostnameSource?: string): Spec {
  return {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    mounts: hostnameSource ? [{ destination: '/etc/hostname', type: 'bind', source: hostnameSource, options: ['rbind'] }] : [],
  };
}

function files(map: Record<string, string>): (p: string) => string {
  return (p) => {
    const text = map[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return text;
  };
}

const config = JSON.stringify({ ID, Image: 'sha256:ec2cd77ad6fc', Config: { Image: 'local/busybox' } });

describe('dockerImageOf', () => {
  it("reads the image from Docker's config.v2.json beside the /etc/hostname mount", () => {
    expect(dockerImageOf(spec(`${DIR}/hostname`), ID, files({ [`${DIR}/config.v2.json`]: config }))).toEqual({
      reference: 'local/busybox',
      id: 'sha256:ec2cd77ad6fc',
    });
  });

  it.each<[string, Spec, string, Record<string, string>]>([
    ['no /etc/hostname mount', spec(), ID, {}],
    [
      'a hostname mount of another container',
      spec(`/var/lib/docker/containers/${'c'.repeat(64)}/hostname`),
      ID,
      { [`/var/lib/docker/containers/${'c'.repeat(64)}/config.v2.json`]: config },
    ],
    ['a hostname mount outside a containers directory', spec(`/tmp/${ID}/hostname`), ID, { [`/tmp/${ID}/config.v2.json`]: config }],
    ['a file that is not named hostname', spec(`${DIR}/resolv.conf`), ID, { [`${DIR}/config.v2.json`]: config }],
    ['a missing config.v2.json', spec(`${DIR}/hostname`), ID, {}],
    ['a config.v2.json for another id', spec(`${DIR}/hostname`), ID, { [`${DIR}/config.v2.json`]: JSON.stringify({ ID: 'other', Config: { Image: 'x' } }) }],
    ['a malformed config.v2.json', spec(`${DIR}/hostname`), ID, { [`${DIR}/config.v2.json`]: '{' }],
  ])('knows no image with %s', (_name, s, id, map) => {
    expect(dockerImageOf(s, id, files(map))).toBeUndefined();
  });
});
