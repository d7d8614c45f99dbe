import { randomInt } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import { readHeader, readQuestion, sameQuestion, type Question, withId } from './dns-wire.js';

/** AnswerHandler receives a reply (under the id it was asked with) or undefined on timeout. */
export type AnswerHandler = (reply: Buffer | undefined) => void;

interface Pending {
  question: Question;
  address: string;
  port: number;
  originalId: number;
  sentAt: number;
  handler: AnswerHandler;
  onSlow?: () => void;
}

/** SWEEP_MS is how often waiting queries are checked for being slow or timed out. */
const SWEEP_MS = 10;

/**
 * IdChannel sends queries through one UDP socket under fresh message ids and matches replies
 * by id, the server asked and the question. The relay keeps one to Docker's embedded DNS per
 * container (a socket in the container's netns) and a few to the upstream resolvers. One sweep
 * timer per channel, not one timer per query, finds slow and timed-out queries: queries wait
 * in the order they were sent, so it stops at the first young one.
 */
export class IdChannel {
  private readonly pending = new Map<number, Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private connectedTo: string | undefined;
  /** latencyMs is a moving average of how fast replies come back. */
  latencyMs = 2;

  constructor(
    private readonly socket: UdpSocket,
    private readonly timeoutMs: number,
    /** The least time a server gets before a query counts as slow (a loaded test machine needs more). */
    private readonly minSlowMs = 25,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', () => undefined); // ICMP errors surface here; the query then times out.
  }

  /**
   * connectTo fixes the channel's one server (the socket in a container's netns talks only to
   * 127.0.0.11:53): the kernel then drops datagrams from anyone else, and sends skip the
   * per-datagram address handling.
   */
  connectTo(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.connect(port, address, () => {
        this.socket.off('error', reject);
        this.connectedTo = `${address}:${port}`;
        resolve();
      });
    });
  }

  /** size is the number of queries waiting for a reply. */
  get size(): number {
    return this.pending.size;
  }

  /** slowMs is when a query counts as unanswered by this server: a few times its usual reply time. */
  get slowMs(): number {
    return Math.min(Math.max(250, this.minSlowMs), Math.max(this.minSlowMs, this.latencyMs * 5));
  }

  /**
   * ask sends `query` to address:port; handler gets the reply under the query's own id, or
   * undefined after the channel's timeout; onSlow runs once if no reply came within slowMs.
   */
  ask(query: Buffer, question: Question, address: string, port: number, handler: AnswerHandler, onSlow?: () => void): boolean {
    if (this.pending.size >= 0xff00) return false;
    // A random id per query: the pool's sockets are shared by every container and keep their
    // ports, so a predictable id would let a spoofer on the host forge another container's answer.
    let id = randomInt(0x10000);
    while (this.pending.has(id)) id = (id + 1) & 0xffff;
    this.pending.set(id, { question, address, port, originalId: query.readUInt16BE(0), sentAt: performance.now(), handler, onSlow });
    if (this.connectedTo === `${address}:${port}`) this.socket.send(withId(query, id));
    else this.socket.send(withId(query, id), port, address);
    if (!this.sweeper) this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    return true;
  }

  private sweep(): void {
    const now = performance.now();
    const slow = this.slowMs;
    for (const [id, p] of this.pending) {
      const age = now - p.sentAt;
      if (age >= this.timeoutMs) {
        this.pending.delete(id);
        p.handler(undefined);
      } else if (age >= slow) {
        const fire = p.onSlow;
        p.onSlow = undefined;
        fire?.();
      } else break;
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    const h = readHeader(msg);
    if (!h?.response) return;
    const p = this.pending.get(h.id);
    if (!p || p.address !== address || p.port !== port || !sameQuestion(p.question, readQuestion(msg))) return; // a stale or forged reply
    this.pending.delete(h.id);
    this.latencyMs = this.latencyMs * 0.9 + (performance.now() - p.sentAt) * 0.1;
    msg.writeUInt16BE(p.originalId, 0); // msg is ours: no copy on the hot path
    p.handler(msg);
  }

  /** close fails every waiting query and closes the socket. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const p of this.pending.values()) p.handler(undefined);
    this.pending.clear();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
