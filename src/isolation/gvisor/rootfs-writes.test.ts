import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import { checkAnnotations } from '../annotations.js';
import { decideRootfsWrites, overlayFlagFor, type RootfsWritesPolicy } from './rootfs-writes.js';

const OLD = { raw: '0.0~20221219.0', date: 20221219 };
const NEW = { raw: '0.0~20240729.0', date: 20240729 };
const policy = (rootfsWrites: 'docker' | 'sandbox', allow = false): RootfsWritesPolicy => ({
  source: '/p.json',
  gvisor: { rootfsWrites, allowRootfsWritesAnnotation: allow },
});
const KEY = 'io.msb.gvisor.rootfs-writes';

describe('overlayFlagFor', () => {
  it.each([
    ['docker', OLD, '--overlay2=none'],
    ['docker', NEW, '--overlay2=none'],
    ['docker', { raw: 'custom' }, '--overlay2=none'],
    ['sandbox', NEW, '--overlay2=root:self'],
    ['sandbox', { raw: 'release-20230214.0', date: 20230214 }, '--overlay2=root:self'],
    ['sandbox', { raw: 'custom' }, '--overlay2=root:self'],
    // 0.0~20221219 has no "self" medium: its in-sandbox overlay lives in memory.
    ['sandbox', OLD, '--overlay2=root:memory'],
  ] as const)('%s on %j → %s', (mode, version, flag) => {
    expect(overlayFlagFor(mode, version)).toBe(flag);
  });
});

describe('decideRootfsWrites', () => {
  it('the default policy puts writes where Docker looks, on every release', () => {
    for (const v of [OLD, NEW])
      expect(decideRootfsWrites(policy('docker'), {}, v)).toMatchObject({
        mode: 'docker',
        flag: '--overlay2=none',
        reason: expect.stringMatching(/^policy gvisor\.rootfsWrites=docker: writes go to Docker's container layer/),
      });
  });

  it('policy sandbox: runsc keeps the writes, and the reason says what that costs', () => {
    expect(decideRootfsWrites(policy('sandbox'), undefined, NEW)).toEqual({
      mode: 'sandbox',
      flag: '--overlay2=root:self',
      reason: "policy gvisor.rootfsWrites=sandbox: writes stay in runsc's overlay (root:self); Docker does not see them and a restart drops them",
    });
  });

  it('the annotation is refused unless policy allows it, in either direction', () => {
    for (const value of ['sandbox', 'docker']) {
      let err: unknown;
      try {
        decideRootfsWrites(policy('docker'), { [KEY]: value }, NEW);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MsbError);
      expect((err as MsbError).code).toBe('forbidden');
      expect((err as MsbError).message).toBe(`annotation ${KEY}=${value} is not allowed by policy /p.json (gvisor.allowRootfsWritesAnnotation is false)`);
    }
  });

  it('the annotation chooses where policy allows it', () => {
    expect(decideRootfsWrites(policy('docker', true), { [KEY]: 'sandbox' }, NEW)).toMatchObject({
      mode: 'sandbox',
      flag: '--overlay2=root:self',
      reason: expect.stringMatching(/^annotation io\.msb\.gvisor\.rootfs-writes=sandbox:/),
    });
    expect(decideRootfsWrites(policy('sandbox', true), { [KEY]: 'docker' }, OLD)).toMatchObject({ mode: 'docker', flag: '--overlay2=none' });
  });
});

describe('rootfs-writes annotations', () => {
  it('msb own annotation takes docker or sandbox only', () => {
    expect(() => checkAnnotations({ [KEY]: 'sandbox' })).not.toThrow();
    expect(() => checkAnnotations({ [KEY]: 'memory' })).toThrow(`annotation ${KEY}="memory" is invalid: expected docker or sandbox`);
  });

  it("runsc's own dev.gvisor.flag.overlay2 stays forbidden", () => {
    expect(() => checkAnnotations({ 'dev.gvisor.flag.overlay2': 'none' })).toThrow(
      /^annotation dev\.gvisor\.flag\.overlay2 is not allowed: msb sets runsc flags from its policy/,
    );
  });
});
