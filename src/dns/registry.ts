import { AnswerCache, DEFAULT_CACHE_MS } from './answer-cache.js';
import { TokenBucket } from '../base/rate-limit.js';
import type { Registration } from './registration.js';

/** Entry is a registration with its per-container state in the relay. */
export interface Entry {
  reg: Registration;
  bucket: TokenBucket;
  cache: AnswerCache;
  queries: number;
  registeredAt: string;
}

/**
 * Registry maps (gateway, source address) to the container that owns the address, and counts
 * how many containers use each gateway (the relay listens on a gateway while that count is > 0).
 */
export class Registry {
  private readonly byId = new Map<string, Entry>();
  private readonly bySource = new Map<string, Entry>();
  private readonly gatewayUse = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** add registers (or replaces) a container; returns the gateways that became used and unused. */
  add(reg: Registration): { opened: string[]; closed: string[] } {
    const before = new Set(this.gatewayUse.keys());
    this.drop(reg.id);
    const entry: Entry = {
      reg,
      bucket: new TokenBucket(reg.rateLimit, reg.rateLimit * 2),
      cache: new AnswerCache(reg.cacheMs ?? DEFAULT_CACHE_MS),
      queries: 0,
      registeredAt: this.now().toISOString(),
    };
    this.byId.set(reg.id, entry);
    for (const gw of reg.gateways) {
      this.gatewayUse.set(gw, (this.gatewayUse.get(gw) ?? 0) + 1);
      for (const addr of reg.addresses) this.bySource.set(`${gw}|${addr}`, entry);
    }
    return this.diff(before);
  }

  /** remove forgets a container; returns the gateways nobody uses any more. */
  remove(id: string): { opened: string[]; closed: string[] } {
    const before = new Set(this.gatewayUse.keys());
    this.drop(id);
    return this.diff(before);
  }

  private drop(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    for (const gw of old.reg.gateways) {
      const n = (this.gatewayUse.get(gw) ?? 1) - 1;
      if (n <= 0) this.gatewayUse.delete(gw);
      else this.gatewayUse.set(gw, n);
      for (const addr of old.reg.addresses) if (this.bySource.get(`${gw}|${addr}`) === old) this.bySource.delete(`${gw}|${addr}`);
    }
  }

  private diff(before: Set<string>): { opened: string[]; closed: string[] } {
    const now = new Set(this.gatewayUse.keys());
    return { opened: [...now].filter((g) => !before.has(g)), closed: [...before].filter((g) => !now.has(g)) };
  }

  /** lookup finds the container that owns `source` on the network of `gateway`. */
  lookup(gateway: string, source: string): Entry | undefined {
    return this.bySource.get(`${gateway}|${source}`);
  }

  /** get returns one container's entry. */
  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  /** entries lists every registered container. */
  entries(): Entry[] {
    return [...this.byId.values()];
  }

  /** gateways lists the addresses the relay should listen on. */
  gateways(): string[] {
    return [...this.gatewayUse.keys()];
  }
}
