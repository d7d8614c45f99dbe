import { describe, expect, it } from 'vitest';
import { MsbError } from '../base/errors.js';
import {
  type BindMountFacts,
  type ContainerIdentity,
  decideControlSockets,
  decideSocketMounts,
  imageMatches,
  normalizeImageReference,
  permittedAccess,
  selectorMismatch,
} from './host-socket-policy.js';
import { withDefaults } from './policy.js';

const busybox: ContainerIdentity = { annotations: { 'io.example.agent': 'yes' }, image: { reference: 'local/busybox', id: 'sha256:ec2cd77ad6fc59b7bfef' } };
const anonymous: ContainerIdentity = { annotations: {} };

function policy(sockets: Record<string, unknown>) {
  return withDefaults({ sockets }, '/p.json');
}

function socket(source: string, destination = source, realSource = source): BindMountFacts {
  return { source, destination, realSource, kind: 'socket' };
}

function directory(source: string, destination = source, realSource = source): BindMountFacts {
  return { source, destination, realSource, kind: 'directory' };
}

function denial(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    expect((err as MsbError).code).toBe('forbidden');
    return (err as MsbError).message;
  }
  throw new Error('expected a forbidden error');
}

describe('normalizeImageReference and imageMatches', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['docker.io/library/busybox', 'busybox:latest'],
    ['docker.io/acme/app:1.2', 'acme/app:1.2'],
    ['registry:5000/app', 'registry:5000/app:latest'],
    ['app@sha256:abc', 'app@sha256:abc'],
  ])('%s → %s', (ref, normalized) => {
    expect(normalizeImageReference(ref)).toBe(normalized);
  });

  it.each<[string, ContainerIdentity['image'], boolean]>([
    ['local/busybox', { reference: 'local/busybox' }, true],
    ['local/busybox', { reference: 'local/busybox:1.36' }, true],
    ['local/busybox:latest', { reference: 'local/busybox' }, true],
    ['local/busybox:1.36', { reference: 'local/busybox' }, false],
    ['busybox', { reference: 'docker.io/library/busybox:1' }, true],
    ['local/busy', { reference: 'local/busybox' }, false],
    ['registry:5000/app', { reference: 'registry:5000/app:2' }, true],
    ['sha256:ec2cd77ad6fc', { id: 'sha256:ec2cd77ad6fc59b7' }, true],
    ['sha256:ec2c', { id: 'sha256:ec2cd77ad6fc59b7' }, false], // too short a prefix to mean one image
    ['sha256:ec2cd77ad6fc', { reference: 'local/busybox' }, false],
    ['local/busybox', undefined, false],
  ])('rule %s against %j → %s', (rule, image, expected) => {
    expect(imageMatches(rule, image)).toBe(expected);
  });
});

describe('selectorMismatch', () => {
  it.each<[string, Record<string, string>, string | undefined]>([
    ['an empty selector', {}, undefined],
    ['a present annotation key', { annotation: 'io.example.agent' }, undefined],
    ['an annotation with its value', { annotation: 'io.example.agent=yes' }, undefined],
    ['an annotation with another value', { annotation: 'io.example.agent=no' }, 'only to containers with annotation io.example.agent=no'],
    ['a missing annotation key', { annotation: 'io.example.ci' }, 'only to containers with annotation io.example.ci'],
    ['the image', { image: 'local/busybox' }, undefined],
    [
      'another image and annotation',
      { image: 'acme/app', annotation: 'k=v' },
      'only to containers with annotation k=v and image acme/app (this container: local/busybox)',
    ],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMismatch(selector, busybox)).toBe(expected);
  });

  it('says when the image is unknown (a caller that is not Docker)', () => {
    expect(selectorMismatch({ image: 'local/busybox' }, anonymous)).toBe('only to containers with image local/busybox (this container: image unknown)');
  });
});

describe('decideSocketMounts', () => {
  const p = policy({
    connect: [
      { path: '/run/metrics.sock' },
      { path: '/var/run/docker.sock', annotation: 'io.example.ci=true' },
      { path: '/run/agent.sock', image: 'local/busybox' },
    ],
    listen: [{ directory: '/srv/agents/' }, { directory: '/srv/ci', annotation: 'io.example.ci' }],
  });

  it('grants open for an allowed socket and create for an allowed socket directory, naming the rule', () => {
    const grants = decideSocketMounts(
      p,
      [socket('/run/metrics.sock', '/m.sock'), socket('/run/agent.sock'), directory('/srv/agents/a1', '/run/ctl')],
      busybox,
      'gvisor',
    );
    expect(grants).toEqual([
      { destination: '/m.sock', source: '/run/metrics.sock', access: 'open', rule: 'sockets.connect[0]' },
      { destination: '/run/agent.sock', source: '/run/agent.sock', access: 'open', rule: 'sockets.connect[2]' },
      { destination: '/run/ctl', source: '/srv/agents/a1', access: 'create', rule: 'sockets.listen[0]' },
    ]);
  });

  it('leaves ordinary mounts alone: other directories, files, sources that do not exist', () => {
    const mounts: BindMountFacts[] = [
      directory('/data'),
      directory('/srv/agentsX'),
      directory('/srv'),
      { source: '/etc/hosts', destination: '/etc/hosts', realSource: '/etc/hosts', kind: 'other' },
    ];
    expect(decideSocketMounts(p, mounts, busybox, 'gvisor')).toEqual([]);
  });

  it('compares the resolved source, so a symlink cannot smuggle another socket in', () => {
    expect(denial(() => decideSocketMounts(p, [socket('/tmp/link.sock', '/m.sock', '/var/run/docker.sock')], busybox, 'gvisor'))).toBe(
      'gvisor: bind mount of socket /tmp/link.sock at /m.sock is not allowed: policy /p.json sockets.connect[1] grants it only to containers with annotation io.example.ci=true',
    );
    expect(decideSocketMounts(p, [socket('/tmp/link.sock', '/m.sock', '/run/metrics.sock')], busybox, 'gvisor')[0]?.rule).toBe('sockets.connect[0]');
  });

  it.each<[string, BindMountFacts, ContainerIdentity, string]>([
    [
      'a socket no rule names',
      socket('/run/x.sock'),
      busybox,
      'gvisor: bind mount of socket /run/x.sock at /run/x.sock is not allowed: policy /p.json sockets.connect has no rule for /run/x.sock',
    ],
    [
      'a socket whose rule wants an annotation',
      socket('/var/run/docker.sock'),
      busybox,
      'sockets.connect[1] grants it only to containers with annotation io.example.ci=true',
    ],
    [
      'a socket whose rule wants an image',
      socket('/run/agent.sock'),
      anonymous,
      'sockets.connect[2] grants it only to containers with image local/busybox (this container: image unknown)',
    ],
    [
      'a socket directory whose rule wants an annotation',
      directory('/srv/ci/x', '/ci'),
      busybox,
      'gvisor: bind mount of socket directory /srv/ci/x at /ci is not allowed: policy /p.json sockets.listen[1] grants it only to containers with annotation io.example.ci',
    ],
  ])('refuses %s', (_name, mount, identity, message) => {
    expect(denial(() => decideSocketMounts(p, [mount], identity, 'gvisor'))).toContain(message);
  });

  it('refuses every socket under the shipped default policy', () => {
    expect(denial(() => decideSocketMounts(withDefaults({}, 'built-in defaults'), [socket('/var/run/docker.sock')], busybox, 'gvisor'))).toBe(
      'gvisor: bind mount of socket /var/run/docker.sock at /var/run/docker.sock is not allowed: policy built-in defaults sockets.connect has no rule for /var/run/docker.sock',
    );
  });
});

describe('decideControlSockets', () => {
  it('needs no rule when nothing is declared', () => {
    expect(decideControlSockets(policy({}), [], busybox, 'gvisor', 'io.msb.control-socket')).toBeUndefined();
  });

  it('names the matching rule', () => {
    expect(
      decideControlSockets(
        policy({ control: [{ image: 'acme/x' }, { annotation: 'io.example.agent' }] }),
        ['/run/a/c.sock'],
        busybox,
        'gvisor',
        'io.msb.control-socket',
      ),
    ).toBe('sockets.control[1]');
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'no rule',
      {},
      'gvisor: control socket /run/a/c.sock (annotation io.msb.control-socket) is not allowed: policy /p.json sockets.control has no rule (no container may declare control sockets)',
    ],
    [
      'a rule for others',
      { control: [{ annotation: 'io.example.ci' }] },
      'policy /p.json sockets.control[0] grants it only to containers with annotation io.example.ci',
    ],
  ])('refuses with %s', (_name, sockets, message) => {
    expect(denial(() => decideControlSockets(policy(sockets), ['/run/a/c.sock'], busybox, 'gvisor', 'io.msb.control-socket'))).toContain(message);
  });
});

describe('permittedAccess', () => {
  it.each<[string, Record<string, unknown>, ContainerIdentity, { open?: string; create?: string }]>([
    ['nothing under the defaults', {}, busybox, {}],
    ['open from a connect rule', { connect: [{ path: '/x.sock' }] }, busybox, { open: 'sockets.connect[0]' }],
    ['create from a listen rule', { listen: [{ directory: '/d' }] }, busybox, { create: 'sockets.listen[0]' }],
    ['create from a control rule', { control: [{}] }, busybox, { create: 'sockets.control[0]' }],
    [
      'only the rules that select the container',
      { connect: [{ path: '/x.sock', annotation: 'io.example.ci' }, { path: '/y.sock' }], listen: [{ directory: '/d', image: 'acme/x' }] },
      busybox,
      { open: 'sockets.connect[1]' },
    ],
    ['nothing image-limited for an unknown image', { connect: [{ path: '/x.sock', image: 'local/busybox' }] }, anonymous, {}],
  ])('%s', (_name, sockets, identity, expected) => {
    expect(permittedAccess(policy(sockets), identity)).toEqual(expected);
  });
});
