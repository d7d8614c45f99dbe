import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';
import { buildQuery, buildResponse } from './dns-message.js';
import { readHeader, Rcode } from './dns-wire.js';

const A = { type: 1, ttl: 600, data: Buffer.from([10, 0, 0, 1]) };

describe('AnswerCache', () => {
  it('answers a repeated query under its own id until maxMs has passed', () => {
    let t = 0;
    const c = new AnswerCache(1000, () => t);
    const q1 = buildQuery(1, 'web');
    c.put(q1, buildResponse(q1, [A]));
    const hit = c.get(buildQuery(2, 'web'));
    expect(hit && readHeader(hit)).toMatchObject({ id: 2, ancount: 1 });
    expect(c.get(buildQuery(3, 'web', 28))).toBeUndefined(); // another type is another key
    t = 1000;
    expect(c.get(buildQuery(4, 'web'))).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('never keeps an answer past its smallest TTL', () => {
    let t = 0;
    const c = new AnswerCache(5000, () => t);
    const q = buildQuery(1, 'short');
    c.put(q, buildResponse(q, [{ ...A, ttl: 1 }, A]));
    t = 999;
    expect(c.get(q)).toBeDefined();
    t = 1000;
    expect(c.get(q)).toBeUndefined();
  });

  it.each<[string, Buffer]>([
    ['SERVFAIL', buildResponse(buildQuery(1, 'x'), [], { rcode: Rcode.SERVFAIL })],
    ['a truncated answer', buildResponse(buildQuery(1, 'x'), [A], { truncated: true })],
    ['NOERROR without records', buildResponse(buildQuery(1, 'x'), [])],
    ['a zero TTL', buildResponse(buildQuery(1, 'x'), [{ ...A, ttl: 0 }])],
  ])('does not keep %s', (_name, reply) => {
    const c = new AnswerCache(1000, () => 0);
    c.put(buildQuery(1, 'x'), reply);
    expect(c.get(buildQuery(1, 'x'))).toBeUndefined();
  });

  it('keeps NXDOMAIN, and nothing when turned off', () => {
    const q = buildQuery(1, 'nope');
    const on = new AnswerCache(1000, () => 0);
    on.put(q, buildResponse(q, [], { rcode: Rcode.NXDOMAIN }));
    expect(on.get(q)).toBeDefined();
    const off = new AnswerCache(0, () => 0);
    off.put(q, buildResponse(q, [A]));
    expect(off.get(q)).toBeUndefined();
  });
});
