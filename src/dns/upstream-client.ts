import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Question } from './dns-wire.js';
import { IdChannel } from './id-channel.js';
import { tcpExchange } from './tcp-framing.js';

/** POOL_SIZE sockets on random ports carry upstream queries (harder to spoof than one). */
const POOL_SIZE = 4;

/**
 * UpstreamClient asks a container's upstream resolvers (its --dns, the policy's, or the host's)
 * for names Docker's embedded DNS does not answer: over UDP, each server in turn with its own
 * timeout, and over TCP when an answer was truncated.
 */
export class UpstreamClient {
  private pool: IdChannel[] = [];
  private next = 0;

  constructor(
    private readonly port = 53,
    private readonly timeoutMs = 2000,
    private readonly bufferBytes = 4 << 20,
  ) {}

  /** ask tries servers in order; done gets the first answer, or undefined when none answered. */
  ask(servers: readonly string[], query: Buffer, question: Question, done: (msg: Buffer | undefined) => void, index = 0): void {
    const server = servers[index];
    if (server === undefined) return done(undefined);
    if (this.pool.length === 0) {
      for (let i = 0; i < POOL_SIZE; i++) {
        const s = createSocket({ type: 'udp4', recvBufferSize: this.bufferBytes });
        s.bind(0);
        this.pool.push(new IdChannel(s, this.timeoutMs));
      }
    }
    const ch = this.pool[this.next++ % this.pool.length] as IdChannel;
    const sent = ch.ask(query, question, server, this.port, (msg) => {
      if (msg) done(msg);
      else this.ask(servers, query, question, done, index + 1);
    });
    if (!sent) done(undefined);
  }

  /** askTcp asks servers in order over TCP and returns the first answer. */
  async askTcp(servers: readonly string[], query: Buffer): Promise<Buffer | undefined> {
    for (const server of servers) {
      const reply = await tcpExchange(connect(this.port, server), query, this.timeoutMs).catch(() => undefined);
      if (reply) return reply;
    }
    return undefined;
  }

  /** close closes the pool; the next query opens a new one. */
  close(): void {
    for (const c of this.pool) c.close();
    this.pool = [];
  }
}
