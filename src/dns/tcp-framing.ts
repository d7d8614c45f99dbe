import type { Socket } from 'node:net';

/** MAX_TCP_MESSAGE is the largest DNS message over TCP (a 16-bit length prefix, RFC 1035 §4.2.2). */
const MAX_TCP_MESSAGE = 65535;

/** TcpFramer splits a DNS-over-TCP byte stream into messages (each after a 2-byte length). */
export class TcpFramer {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onMessage: (msg: Buffer) => void,
    private readonly onMalformed: () => void,
  ) {}

  /** frame prefixes a message with its length. */
  static frame(msg: Buffer): Buffer {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(Math.min(msg.length, MAX_TCP_MESSAGE));
    return Buffer.concat([len, msg]);
  }

  /** push adds bytes from the stream and delivers every complete message. */
  push(data: Buffer): void {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    while (this.buffered.length >= 2) {
      const len = this.buffered.readUInt16BE(0);
      if (len === 0) return this.onMalformed();
      if (this.buffered.length < 2 + len) return;
      const msg = this.buffered.subarray(2, 2 + len);
      this.buffered = this.buffered.subarray(2 + len);
      this.onMessage(Buffer.from(msg));
    }
  }
}

/** tcpExchange sends one query over a (connecting or connected) socket and returns the first reply. */
export function tcpExchange(socket: Socket, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    const framer = new TcpFramer(
      (msg) => {
        clearTimeout(timer);
        socket.end();
        resolve(msg);
      },
      () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(undefined);
      },
    );
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (d: Buffer) => framer.push(d));
    // A server that closes without answering: no need to wait for the timeout (a no-op after an answer).
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    socket.write(TcpFramer.frame(query));
  });
}
