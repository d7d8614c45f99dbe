import { describe, expect, it } from 'vitest';
import type { Registration } from './registration.js';
import { Registry } from './registry.js';

const reg = (id: string, addresses: string[], gateways: string[]): Registration => ({
  id,
  pid: 1,
  netns: '/proc/1/ns/net',
  addresses,
  gateways,
  upstreams: [],
  rateLimit: 5,
});

describe('Registry', () => {
  it('finds containers by gateway and source, and reports gateways as they come and go', () => {
    const r = new Registry(() => new Date(0));
    expect(r.add(reg('a', ['172.20.0.2'], ['172.20.0.1']))).toEqual({ opened: ['172.20.0.1'], closed: [] });
    expect(r.add(reg('b', ['172.20.0.3', '172.21.0.2'], ['172.20.0.1', '172.21.0.1']))).toEqual({ opened: ['172.21.0.1'], closed: [] });
    expect(r.lookup('172.20.0.1', '172.20.0.2')?.reg.id).toBe('a');
    expect(r.lookup('172.21.0.1', '172.21.0.2')?.reg.id).toBe('b');
    expect(r.lookup('172.21.0.1', '172.20.0.2')).toBeUndefined(); // a's address, asked on another network
    expect(r.lookup('172.20.0.1', '172.20.0.9')).toBeUndefined();
    expect(r.remove('b')).toEqual({ opened: [], closed: ['172.21.0.1'] });
    expect(r.lookup('172.20.0.1', '172.20.0.3')).toBeUndefined();
    expect(r.remove('a')).toEqual({ opened: [], closed: ['172.20.0.1'] });
    expect(r.gateways()).toEqual([]);
    expect(r.remove('a')).toEqual({ opened: [], closed: [] });
  });

  it('replaces a registration with the same id (a container re-created under its id)', () => {
    const r = new Registry();
    r.add(reg('a', ['172.20.0.2'], ['172.20.0.1']));
    expect(r.add(reg('a', ['172.22.0.2'], ['172.22.0.1']))).toEqual({ opened: ['172.22.0.1'], closed: ['172.20.0.1'] });
    expect(r.lookup('172.20.0.1', '172.20.0.2')).toBeUndefined();
    expect(r.entries()).toHaveLength(1);
    expect(r.get('a')?.bucket.rate).toBe(5);
  });

  it('keeps an address that a newer container took over when the older one goes', () => {
    const r = new Registry();
    r.add(reg('old', ['172.20.0.2'], ['172.20.0.1']));
    r.add(reg('new', ['172.20.0.2'], ['172.20.0.1']));
    r.remove('old');
    expect(r.lookup('172.20.0.1', '172.20.0.2')?.reg.id).toBe('new');
  });
});
