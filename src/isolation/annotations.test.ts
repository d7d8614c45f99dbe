import { describe, expect, it } from 'vitest';
import { MsbError, type ErrorCode } from '../base/errors.js';
import {
  checkAnnotations,
  CONTROL_SOCKET_ANNOTATION,
  HOST_UDS_ANNOTATION,
  ISOLATION_ANNOTATION,
  KNOWN_ANNOTATIONS,
  KRUN_CPUS_ANNOTATION,
  KRUN_DOCKER_VOLUME_ANNOTATION,
  KRUN_MEMORY_ANNOTATION,
} from './annotations.js';

describe('checkAnnotations', () => {
  it.each<[string, Record<string, string> | undefined]>([
    ['no annotations', undefined],
    ['an empty map', {}],
    ['the isolation annotation', { [ISOLATION_ANNOTATION]: 'gvisor' }],
    ['a name with digits and dashes', { [ISOLATION_ANNOTATION]: 'krun-2' }],
    ['foreign annotations', { 'org.opencontainers.image.ref.name': 'x', 'com.docker.compose.service': 'web', 'dev.gvisor.spec.mount.x.share': 'shared' }],
    ['a key that only resembles io.msb', { 'io.msbx.turbo': 'on', 'msb.isolation': 'anything at all' }],
    ['the host-uds flag (policy decides later)', { [HOST_UDS_ANNOTATION]: 'all' }],
    ['one control socket', { [CONTROL_SOCKET_ANNOTATION]: '/run/agent/ctl.sock' }],
    ['two control sockets', { [CONTROL_SOCKET_ANNOTATION]: '/run/agent/ctl.sock,/var/run/x@1/metrics.sock' }],
    ['microVM sizing', { [KRUN_MEMORY_ANNOTATION]: '1024', [KRUN_CPUS_ANNOTATION]: '2', [KRUN_DOCKER_VOLUME_ANNOTATION]: '8192' }],
    ['the largest vCPU count and no docker volume', { [KRUN_CPUS_ANNOTATION]: '255', [KRUN_DOCKER_VOLUME_ANNOTATION]: '0' }],
  ])('accepts %s', (_name, annotations) => {
    expect(() => checkAnnotations(annotations)).not.toThrow();
  });

  it.each<[string, Record<string, string>, ErrorCode, RegExp]>([
    [
      'a runsc flag override',
      { 'dev.gvisor.flag.network': 'host' },
      'forbidden',
      /^annotation dev\.gvisor\.flag\.network is not allowed: msb sets runsc flags from its policy \(only dev\.gvisor\.flag\.host-uds is honoured, within policy\)$/,
    ],
    ['a runsc flag override among others', { a: 'b', 'dev.gvisor.flag.overlay2': 'none' }, 'forbidden', /dev\.gvisor\.flag\.overlay2 is not allowed/],
    ['a flag that only resembles host-uds', { 'dev.gvisor.flag.fsgofer-host-uds': 'true' }, 'forbidden', /fsgofer-host-uds is not allowed/],
    [
      'a bad host-uds value',
      { [HOST_UDS_ANNOTATION]: 'everything' },
      'invalid-argument',
      /^annotation dev\.gvisor\.flag\.host-uds="everything" is invalid: expected one of none, open, create, all$/,
    ],
    [
      'a relative control socket',
      { [CONTROL_SOCKET_ANNOTATION]: 'run/ctl.sock' },
      'invalid-argument',
      /^annotation io\.msb\.control-socket="run\/ctl\.sock" is invalid: expected absolute socket paths/,
    ],
    [
      'a control socket with a space',
      { [CONTROL_SOCKET_ANNOTATION]: '/run/a b.sock' },
      'invalid-argument',
      /io\.msb\.control-socket="\/run\/a b\.sock" is invalid/,
    ],
    ['a control socket list with an empty item', { [CONTROL_SOCKET_ANNOTATION]: '/run/a.sock,' }, 'invalid-argument', /is invalid/],
    [
      'an unknown io.msb key',
      { 'io.msb.turbo': 'on' },
      'invalid-argument',
      /^unknown annotation io\.msb\.turbo \(known: io\.msb\.isolation, io\.msb\.egress, io\.msb\.control-socket, io\.msb\.gvisor\.rootfs-writes, io\.msb\.krun\.memory, io\.msb\.krun\.cpus, io\.msb\.krun\.docker-volume\)$/,
    ],
    [
      'a guest memory with a unit',
      { [KRUN_MEMORY_ANNOTATION]: '1G' },
      'invalid-argument',
      /^annotation io\.msb\.krun\.memory="1G" is invalid: expected a whole number of MiB/,
    ],
    ['zero guest memory', { [KRUN_MEMORY_ANNOTATION]: '0' }, 'invalid-argument', /io\.msb\.krun\.memory="0" is invalid/],
    [
      '256 vCPUs',
      { [KRUN_CPUS_ANNOTATION]: '256' },
      'invalid-argument',
      /^annotation io\.msb\.krun\.cpus="256" is invalid: expected a whole number of vCPUs from 1 to 255$/,
    ],
    ['a negative docker volume', { [KRUN_DOCKER_VOLUME_ANNOTATION]: '-1' }, 'invalid-argument', /io\.msb\.krun\.docker-volume="-1" is invalid/],
    [
      'an upper-case value',
      { [ISOLATION_ANNOTATION]: 'GVISOR' },
      'invalid-argument',
      /^annotation io\.msb\.isolation="GVISOR" is invalid: expected a backend name/,
    ],
    ['an injection attempt', { [ISOLATION_ANNOTATION]: 'gvisor; rm -rf /' }, 'invalid-argument', /io\.msb\.isolation="gvisor; rm -rf \/" is invalid/],
    ['an empty value', { [ISOLATION_ANNOTATION]: '' }, 'invalid-argument', /io\.msb\.isolation="" is invalid/],
    ['a value of 33 characters', { [ISOLATION_ANNOTATION]: `a${'b'.repeat(32)}` }, 'invalid-argument', /is invalid/],
    ['a value with a trailing newline', { [ISOLATION_ANNOTATION]: 'gvisor\n' }, 'invalid-argument', /is invalid/],
  ])('refuses %s', (_name, annotations, code, message) => {
    let caught: unknown;
    try {
      checkAnnotations(annotations);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).code).toBe(code);
    expect((caught as MsbError).message).toMatch(message);
  });

  it('accepts a value of exactly 32 characters', () => {
    expect(() => checkAnnotations({ [ISOLATION_ANNOTATION]: `a${'b'.repeat(31)}` })).not.toThrow();
  });

  it('every known annotation is an io.msb key with a describe and expected text', () => {
    for (const [key, known] of Object.entries(KNOWN_ANNOTATIONS)) {
      expect(key).toMatch(/^io\.msb\./);
      expect(known.describe).not.toBe('');
      expect(known.expected).not.toBe('');
    }
  });
});
