import { readAnswers } from './dns-message.js';
import { readHeader, Rcode } from './dns-wire.js';

/** DEFAULT_CACHE_MS bounds how long the relay reuses an answer (policy dns.cacheMs; 0 turns the cache off). */
export const DEFAULT_CACHE_MS = 1000;

/** MAX_ENTRIES bounds one container's cache; the oldest entry goes first. */
const MAX_ENTRIES = 512;

interface Cached {
  reply: Buffer;
  expires: number;
}

/**
 * AnswerCache keeps one container's recent answers for at most maxMs (and never past the
 * smallest TTL in them), keyed by the whole query except its id, so flags and EDNS options
 * that change the answer change the key. Only NOERROR answers with records and NXDOMAIN are
 * kept; nothing truncated. It spares Docker's resolver and the extra hop for the repeated
 * lookups of a busy client, at the price of at most maxMs of staleness after a container
 * goes away (docs/dns.md).
 */
export class AnswerCache {
  private readonly entries = new Map<string, Cached>();

  constructor(
    private readonly maxMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private static key(query: Buffer): string {
    return query.toString('latin1', 2);
  }

  /** get returns a copy of a fresh answer under the query's id, or undefined. */
  get(query: Buffer): Buffer | undefined {
    if (this.maxMs <= 0) return undefined;
    const key = AnswerCache.key(query);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    const copy = Buffer.from(hit.reply);
    copy.writeUInt16BE(query.readUInt16BE(0), 0);
    return copy;
  }

  /** put remembers reply as the answer to query, if it may be reused. */
  put(query: Buffer, reply: Buffer): void {
    if (this.maxMs <= 0) return;
    const h = readHeader(reply);
    if (!h || h.truncated || !(h.rcode === Rcode.NXDOMAIN || (h.rcode === Rcode.NOERROR && h.ancount > 0))) return;
    const answers = readAnswers(reply) ?? [];
    const ttlMs = answers.length > 0 ? Math.min(...answers.map((a) => a.ttl)) * 1000 : this.maxMs;
    const lifetime = Math.min(this.maxMs, ttlMs);
    if (lifetime <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(AnswerCache.key(query), { reply: Buffer.from(reply), expires: this.now() + lifetime });
  }

  /** size is the number of answers kept. */
  get size(): number {
    return this.entries.size;
  }
}
