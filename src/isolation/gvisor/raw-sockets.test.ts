import { describe, expect, it } from 'vitest';
import type { Spec } from '../../base/spec.js';
import { decideRawSockets } from './raw-sockets.js';

const withCaps = (caps: string[]): Spec => ({
  ociVersion: '1.0.2',
  root: { path: '/r' },
  process: { capabilities: { bounding: caps, effective: caps, permitted: caps } },
});
const DOCKER_DEFAULT = ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_NET_BIND_SERVICE'];

describe('decideRawSockets', () => {
  it('capability: --net-raw exactly when the container holds CAP_NET_RAW', () => {
    expect(decideRawSockets('capability', withCaps(DOCKER_DEFAULT)).netRaw).toBe(true);
    expect(decideRawSockets('capability', withCaps(['CAP_CHOWN']))).toEqual({
      netRaw: false,
      reason: 'the container does not hold CAP_NET_RAW (policy gvisor.rawSockets=capability)',
    });
    expect(decideRawSockets('capability', { ociVersion: '1.0.2', root: { path: '/r' } }).netRaw).toBe(false);
  });

  it('never: no raw sockets, and the reason says so when the container asked for them', () => {
    expect(decideRawSockets('never', withCaps(DOCKER_DEFAULT))).toEqual({
      netRaw: false,
      reason: 'the container holds CAP_NET_RAW, but policy gvisor.rawSockets=never keeps raw sockets (ping) off',
    });
  });
});

describe('decideRawSockets with malformed capability sets', () => {
  it('a set that is not a list grants nothing (fuzz seed 775333631: "bounding": true threw)', () => {
    const spec = {
      ociVersion: '1.0.2',
      root: { path: '/r' },
      process: { capabilities: { bounding: true, effective: 'CAP_NET_RAW', permitted: { 0: 'CAP_NET_RAW' } } },
    } as unknown as Spec;
    expect(decideRawSockets('capability', spec).netRaw).toBe(false);
  });
});
