import { describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { dockerPorts, parsePortKeys } from './docker-ports.js';

const ID = 'a'.repeat(64);
const DIR = `/var/lib/docker/containers/${ID}`;
const spec: Spec = { ociVersion: '1.0.2', root: { path: 'r' }, mounts: [{ destination: '/etc/hostname', type: 'bind', source: `${DIR}/hostname` }] };

describe('parsePortKeys', () => {
  it.each<[string[], string[]]>([
    [[], []],
    [['80/tcp'], ['80/tcp']],
    [
      ['53/udp', '53/tcp', '80/tcp', '80/tcp'],
      ['53/tcp', '53/udp', '80/tcp'],
    ],
    [['8080'], ['8080/tcp']],
    [['132/sctp', 'x/tcp', '0/tcp', '70000/tcp'], []],
  ])('%j → %j', (keys, want) => {
    expect(parsePortKeys(keys).map((p) => `${p.port}/${p.protocol}`)).toEqual(want);
  });
});

describe('dockerPorts', () => {
  const files =
    (host: unknown, config: unknown) =>
    (p: string): string => {
      if (p === `${DIR}/hostconfig.json`) return JSON.stringify(host);
      if (p === `${DIR}/config.v2.json`) return JSON.stringify(config);
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };

  it("joins published (-p) and exposed ports from Docker's records", () => {
    const read = files({ PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } }, { Config: { ExposedPorts: { '80/tcp': {}, '9000/udp': {} } } });
    expect(dockerPorts(spec, ID, read)).toEqual([
      { port: 80, protocol: 'tcp' },
      { port: 9000, protocol: 'udp' },
    ]);
  });

  it('treats null maps and missing files as no ports', () => {
    expect(dockerPorts(spec, ID, files({ PortBindings: null }, { Config: { ExposedPorts: null } }))).toEqual([]);
    expect(
      dockerPorts(spec, ID, () => {
        throw new Error('ENOENT');
      }),
    ).toEqual([]);
  });

  it("ignores specs that are not Docker's (no hostname file from its containers directory)", () => {
    expect(dockerPorts({ ...spec, mounts: [] }, ID, () => '{"PortBindings":{"80/tcp":[]}}')).toEqual([]);
    expect(dockerPorts(spec, 'b'.repeat(64), () => '{"PortBindings":{"80/tcp":[]}}')).toEqual([]);
  });
});
