import { appendFile, rename, stat } from 'node:fs';
import { TokenBucket } from '../base/rate-limit.js';

/** DeniedLookup is one name the relay refused a container under its egress profile (a line of the log). */
export interface DeniedLookup {
  time: string;
  /** The container's id. */
  id: string;
  name: string;
  /** The query type (A, AAAA, or TYPE<n>). */
  type: string;
  /** denied: a deny rule matched; not-a-peer: the profile answers only its peers' names; rebind: an upstream answer pointed at a non-public address. */
  reason: 'denied' | 'not-a-peer' | 'rebind';
  /** The deny rule, or (rebind) the address the answer pointed at. */
  rule?: string;
  address?: string;
  /** Refusals of this container left out of the log just before this one (over its rate). */
  suppressed?: number;
}

/** PER_CONTAINER lines a second (burst) one container may add: a flood of refused names cannot push the others' out of the bounded file. */
const PER_CONTAINER = { rate: 20, burst: 100 };

/** DENIED_LOG_MAX_BYTES caps the log file; past it the file becomes `<file>.1` (one kept), so the log takes at most twice this. */
const DENIED_LOG_MAX_BYTES = 1 << 20;

/** MAX_PENDING lines wait for the file at most; a flood beyond that while a write is under way is counted, not kept. */
const MAX_PENDING = 1000;

/**
 * DeniedNamesLog appends the relay's refused lookups to a JSON-lines file in its state directory
 * (`msbctl egress log` reads it), without blocking the relay: lines are queued and written by
 * one asynchronous append at a time, and the file is rotated at maxBytes.
 */
export class DeniedNamesLog {
  private pending: string[] = [];
  private writing = false;
  /** lost counts lines dropped while the queue was full. */
  lost = 0;
  private readonly buckets = new Map<string, { bucket: TokenBucket; suppressed: number }>();

  constructor(
    readonly path: string,
    private readonly maxBytes = DENIED_LOG_MAX_BYTES,
    private readonly onError: (msg: string) => void = () => undefined,
  ) {}

  /** append queues one entry, unless its container is over its rate (then it is counted, and the next line written says how many). */
  append(entry: DeniedLookup): void {
    if (this.buckets.size > 10_000) this.buckets.clear(); // ids of long-gone containers
    let b = this.buckets.get(entry.id);
    if (!b) this.buckets.set(entry.id, (b = { bucket: new TokenBucket(PER_CONTAINER.rate, PER_CONTAINER.burst), suppressed: 0 }));
    if (!b.bucket.take()) {
      b.suppressed++;
      return;
    }
    if (b.suppressed > 0) {
      entry = { ...entry, suppressed: b.suppressed };
      b.suppressed = 0;
    }
    if (this.pending.length >= MAX_PENDING) {
      this.lost++;
      return;
    }
    this.pending.push(`${JSON.stringify(entry)}\n`);
    if (!this.writing) this.flush();
  }

  /** idle resolves once everything queued is written (tests). */
  async idle(): Promise<void> {
    while (this.writing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private flush(): void {
    const text = this.pending.join('');
    this.pending = [];
    this.writing = true;
    appendFile(this.path, text, { mode: 0o600 }, (err) => {
      if (err) this.onError(`cannot write ${this.path}: ${err.message}`);
      stat(this.path, (_e, st) => {
        const next = (): void => {
          this.writing = false;
          if (this.pending.length > 0) this.flush();
        };
        if (st && st.size > this.maxBytes) rename(this.path, `${this.path}.1`, () => next());
        else next();
      });
    });
  }
}

/** queryTypeName names a DNS query type for the log. */
export function queryTypeName(type: number): string {
  return ({ 1: 'A', 5: 'CNAME', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS' } as Record<number, string>)[type] ?? `TYPE${type}`;
}
