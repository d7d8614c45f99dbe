import { describe, expect, it } from 'vitest';
import { buildQuery, buildResponse, encodeName, readAnswers } from './dns-message.js';
import { checkQuery, readHeader, readName, readQuestion, Rcode, sameQuestion, withId } from './dns-wire.js';

const q = buildQuery(0x1234, 'Web.Example', 1);

describe('buildQuery and readHeader/readQuestion', () => {
  it('round-trips a standard query', () => {
    expect(readHeader(q)).toEqual({ id: 0x1234, response: false, opcode: 0, truncated: false, rcode: 0, qdcount: 1, ancount: 0, nscount: 0, arcount: 0 });
    expect(readQuestion(q)).toEqual({ name: 'web.example', type: 1, class: 1 });
  });

  it('encodes the root name as one zero byte', () => {
    expect(encodeName('.')).toEqual(Buffer.from([0]));
    expect(encodeName('a.b.')).toEqual(Buffer.from([1, 0x61, 1, 0x62, 0]));
  });
});

describe('readName', () => {
  it('follows compression pointers and returns the end after the first pointer', () => {
    const msg = Buffer.concat([Buffer.alloc(12), encodeName('svc.example'), Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 12])]);
    expect(readName(msg, 25)).toEqual({ name: 'www.svc.example', end: 31 });
  });

  it.each<[string, Buffer]>([
    ['a label past the end', Buffer.from([5, 0x61, 0x62])],
    ['no terminating zero', Buffer.from([1, 0x61])],
    ['a pointer loop', Buffer.from([0xc0, 0])],
    ['a truncated pointer', Buffer.from([0xc0])],
    ['a reserved label type', Buffer.from([0x40, 0])],
    [
      'a name longer than 255 bytes',
      Buffer.concat([...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0])]),
    ],
  ])('rejects %s', (_name, bytes) => {
    expect(readName(bytes, 0)).toBeUndefined();
  });
});

describe('checkQuery', () => {
  const mutate = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(q);
    f(b);
    return b;
  };
  it('accepts a standard query', () => {
    expect(checkQuery(q)).toMatchObject({ ok: true, question: { name: 'web.example', type: 1 } });
  });

  it.each<[string, Buffer, string]>([
    ['an empty packet', Buffer.alloc(0), 'shorter than a header'],
    ['a short header', Buffer.alloc(11), 'shorter than a header'],
    ['a response', mutate((b) => (b[2] = 0x81)), 'a response, not a query'],
    ['an UPDATE', mutate((b) => (b[2] = 0x28)), 'opcode 5 is not QUERY'],
    ['no question', mutate((b) => b.writeUInt16BE(0, 4)), '0 questions'],
    ['two questions', mutate((b) => b.writeUInt16BE(2, 4)), '2 questions'],
    ['answers in a query', mutate((b) => b.writeUInt16BE(1, 6)), 'a query with answer or authority records'],
    ['a question cut short', q.subarray(0, q.length - 2), 'malformed question'],
    ['random bytes', Buffer.from('deadbeefdeadbeefdeadbeefff', 'hex'), 'a response, not a query'],
  ])('drops %s', (_name, msg, reason) => {
    expect(checkQuery(msg)).toEqual({ ok: false, reason });
  });
});

describe('withId and sameQuestion', () => {
  it('changes only the id, on a copy', () => {
    const moved = withId(q, 0xbeef);
    expect(moved.readUInt16BE(0)).toBe(0xbeef);
    expect(moved.subarray(2)).toEqual(q.subarray(2));
    expect(q.readUInt16BE(0)).toBe(0x1234);
  });

  it('compares name, type and class', () => {
    expect(sameQuestion({ name: 'a', type: 1, class: 1 }, { name: 'a', type: 1, class: 1 })).toBe(true);
    expect(sameQuestion({ name: 'a', type: 1, class: 1 }, { name: 'a', type: 28, class: 1 })).toBe(false);
    expect(sameQuestion(undefined, { name: 'a', type: 1, class: 1 })).toBe(false);
  });
});

describe('buildResponse and readAnswers', () => {
  it('answers with records named by a pointer to the question', () => {
    const r = buildResponse(q, [
      { type: 1, ttl: 600, data: Buffer.from([172, 20, 0, 2]) },
      { type: 16, ttl: 5, data: Buffer.from([2, 0x68, 0x69]) },
    ]);
    expect(readHeader(r)).toMatchObject({ id: 0x1234, response: true, rcode: 0, ancount: 2, truncated: false });
    expect(readAnswers(r)).toEqual([
      { name: 'web.example', type: 1, ttl: 600, data: '172.20.0.2' },
      { name: 'web.example', type: 16, ttl: 5, data: 'hi' },
    ]);
  });

  it('sets rcode and TC', () => {
    expect(readHeader(buildResponse(q, [], { rcode: Rcode.NXDOMAIN, truncated: true }))).toMatchObject({ rcode: 3, truncated: true, ancount: 0 });
  });

  it('rejects answers that run past the end', () => {
    const r = buildResponse(q, [{ type: 1, ttl: 1, data: Buffer.from([1, 2, 3, 4]) }]);
    expect(readAnswers(r.subarray(0, r.length - 2))).toBeUndefined();
  });
});
