import type { Socket as UdpSocket } from 'node:dgram';
import { readHeader, readQuestion, sameQuestion, type Question, withId } from './dns-wire.js';

/** AnswerHandler receives a reply (with the id it was asked under) or undefined on timeout. */
export type AnswerHandler = (reply: Buffer | undefined) => void;

interface Pending {
  question: Question;
  address: string;
  port: number;
  handler: AnswerHandler;
  timer: NodeJS.Timeout;
  sentAt: number;
}

/**
 * IdChannel sends queries through one UDP socket under fresh message ids and matches replies
 * by id, the server asked and the question. The relay keeps one to Docker's embedded DNS per container (a
 * socket in the container's netns) and a few to the upstream resolvers.
 */
export class IdChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = Math.floor(Math.random() * 0x10000);
  /** latencyMs is a moving average of how fast replies come back. */
  latencyMs = 2;

  constructor(
    private readonly socket: UdpSocket,
    private readonly peer: (address: string, port: number) => boolean,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', () => undefined); // ICMP errors surface here; the query then times out.
  }

  /** size is the number of queries waiting for a reply. */
  get size(): number {
    return this.pending.size;
  }

  /** ask sends `query` to address:port; handler gets the reply under the query's own id, or undefined after timeoutMs. */
  ask(query: Buffer, question: Question, address: string, port: number, timeoutMs: number, handler: AnswerHandler): boolean {
    if (this.pending.size >= 0xff00) return false;
    let id = this.nextId;
    while (this.pending.has(id)) id = (id + 1) & 0xffff;
    this.nextId = (id + 7919) & 0xffff; // not sequential: a little harder to guess
    const originalId = query.readUInt16BE(0);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      handler(undefined);
    }, timeoutMs);
    this.pending.set(id, {
      question,
      address,
      port,
      timer,
      sentAt: performance.now(),
      handler: (reply) => handler(reply ? withId(reply, originalId) : undefined),
    });
    this.socket.send(withId(query, id), port, address);
    return true;
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    const h = readHeader(msg);
    if (!h?.response || !this.peer(address, port)) return;
    const p = this.pending.get(h.id);
    if (!p || p.address !== address || p.port !== port || !sameQuestion(p.question, readQuestion(msg))) return; // a stale or forged reply
    this.pending.delete(h.id);
    clearTimeout(p.timer);
    this.latencyMs = this.latencyMs * 0.9 + (performance.now() - p.sentAt) * 0.1;
    p.handler(msg);
  }

  /** close fails every waiting query and closes the socket. */
  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.handler(undefined);
    }
    this.pending.clear();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
