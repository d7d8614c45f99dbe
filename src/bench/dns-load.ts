// The DNS benchmark's client, run inside a container's netns (`nsenter --net=… node dns-load.js`):
//   latency SERVER_A SERVER_B NAME COUNT   COUNT sequential queries to each server, interleaved
//   rate SERVER NAME QPS SECONDS           QPS queries a second for SECONDS; counts the answers
// Prints one JSON object. Servers are addresses; port 53.
import { createSocket, type Socket } from 'node:dgram';
import { buildQuery } from '../dns/dns-message.js';
import { readHeader } from '../dns/dns-wire.js';

function open(): Promise<Socket> {
  // A large receive buffer: a reply dropped because this client was busy sending is not the relay's loss.
  const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  return new Promise((resolve) => s.bind(0, () => resolve(s)));
}

function once(s: Socket, server: string, msg: Buffer, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const id = msg.readUInt16BE(0);
    const timer = setTimeout(() => {
      s.off('message', on);
      resolve(undefined);
    }, timeoutMs);
    const on = (m: Buffer): void => {
      if (readHeader(m)?.id !== id) return;
      clearTimeout(timer);
      s.off('message', on);
      resolve(Number(process.hrtime.bigint() - start) / 1e6);
    };
    s.on('message', on);
    s.send(msg, 53, server);
  });
}

async function latency(a: string, b: string, name: string, count: number): Promise<object> {
  const s = await open();
  const times: Record<string, number[]> = { [a]: [], [b]: [] };
  let lost = 0;
  for (let i = 0; i < count; i++) {
    for (const server of i % 2 === 0 ? [a, b] : [b, a]) {
      const t = await once(s, server, buildQuery(i & 0xffff, name), 1000);
      if (t === undefined) lost++;
      else times[server]?.push(t);
    }
  }
  s.close();
  return { times, lost };
}

async function rate(server: string, name: string, qps: number, seconds: number): Promise<object> {
  const s = await open();
  const outstanding = new Set<number>();
  let answered = 0;
  s.on('message', (m: Buffer) => {
    const id = readHeader(m)?.id;
    if (id !== undefined && outstanding.delete(id)) answered++;
  });
  const total = Math.round(qps * seconds);
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.round(((performance.now() - start) / 1000) * qps));
      for (; sent < due; sent++) {
        const id = sent & 0xffff;
        outstanding.add(id);
        s.send(buildQuery(id, name), 53, server);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1); // batches every millisecond: the client must not eat the CPU the relay and dockerd need
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  s.close();
  return { sent, answered, lost: sent - answered, sendSeconds, offeredQps: sent / sendSeconds };
}

const [mode, ...rest] = process.argv.slice(2);
const result =
  mode === 'latency'
    ? latency(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '', Number(rest[3]))
    : rate(rest[0] ?? '', rest[1] ?? '', Number(rest[2]), Number(rest[3]));
void result.then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
