import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

describe('Limiter', () => {
  it('runs at most `limit` tasks at once and lets urgent ones go first', async () => {
    const l = new Limiter(1);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = l.run(() => new Promise<void>((r) => (release = () => (order.push('a'), r()))));
    const second = l.run(async () => void order.push('b'));
    const third = l.run(async () => void order.push('urgent'), true);
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    await Promise.all([first, second, third]);
    expect(order).toEqual(['a', 'urgent', 'b']);
  });

  it('passes results and failures through', async () => {
    const l = new Limiter(2);
    await expect(l.run(async () => 5)).resolves.toBe(5);
    await expect(l.run(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
  });
});
