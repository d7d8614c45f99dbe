import { describe, expect, it } from 'vitest';
import { demuxDockerLogs } from './docker-probe.js';

const frame = (stream: number, text: string): Buffer => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('demuxDockerLogs', () => {
  it('joins stdout and stderr frames in order and ignores a cut-off header', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'nameserver 1.2.3.4\n'), frame(2, "nslookup: can't resolve\n"), Buffer.from([1, 0, 0])]))).toBe(
      "nameserver 1.2.3.4\nnslookup: can't resolve\n",
    );
    expect(demuxDockerLogs(Buffer.alloc(0))).toBe('');
  });
});
