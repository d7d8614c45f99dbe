import { describe, expect, it } from 'vitest';
import { TcpFramer } from './tcp-framing.js';

describe('TcpFramer', () => {
  it('delivers messages split across reads and several in one read', () => {
    const got: string[] = [];
    let malformed = 0;
    const f = new TcpFramer(
      (m) => got.push(m.toString()),
      () => malformed++,
    );
    const stream = Buffer.concat([TcpFramer.frame(Buffer.from('first')), TcpFramer.frame(Buffer.from('second')), TcpFramer.frame(Buffer.from('third'))]);
    f.push(stream.subarray(0, 1));
    f.push(stream.subarray(1, 9));
    f.push(stream.subarray(9));
    expect(got).toEqual(['first', 'second', 'third']);
    expect(malformed).toBe(0);
  });

  it('reports a zero-length message as malformed', () => {
    let malformed = 0;
    const f = new TcpFramer(
      () => undefined,
      () => malformed++,
    );
    f.push(Buffer.from([0, 0, 1]));
    expect(malformed).toBe(1);
  });

  it('frames with a big-endian length', () => {
    expect(TcpFramer.frame(Buffer.alloc(300))).toHaveLength(302);
    expect(TcpFramer.frame(Buffer.alloc(300)).readUInt16BE(0)).toBe(300);
  });
});
