import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { buildResponse, type AnswerRecord } from '../../src/dns/dns-message.js';
import { checkQuery, Rcode } from '../../src/dns/dns-wire.js';
import { TcpFramer } from '../../src/dns/tcp-framing.js';

/** UPSTREAM_ZONE is the only zone the test's upstream server knows. */
const UPSTREAM_ZONE = 'ext.test';

/** UPSTREAM_A is what www.ext.test resolves to (TEST-NET-1: nothing ever connects to it). */
export const UPSTREAM_A = '192.0.2.10';

/** BIG_TXT_COUNT TXT records of 60 bytes make big.ext.test too large for a 512-byte datagram. */
export const BIG_TXT_COUNT = 20;

function txt(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), Buffer.from(text)]);
}

/** answerFor is the test zone: www (A), big (many TXT), everything else NXDOMAIN. */
function answerFor(query: Buffer, overTcp: boolean): Buffer | undefined {
  const c = checkQuery(query);
  if (!c.ok) return undefined;
  const { name, type } = c.question;
  if (name === `www.${UPSTREAM_ZONE}` && type === 1) return buildResponse(query, [{ type: 1, ttl: 300, data: Buffer.from(UPSTREAM_A.split('.').map(Number)) }]);
  if (name === `big.${UPSTREAM_ZONE}` && type === 16) {
    const records: AnswerRecord[] = Array.from({ length: BIG_TXT_COUNT }, (_, i) => ({
      type: 16,
      ttl: 300,
      data: txt(`record-${String(i).padStart(2, '0')}-${'x'.repeat(50)}`),
    }));
    const full = buildResponse(query, records);
    return full.length > 512 && !overTcp ? buildResponse(query, [], { truncated: true }) : full;
  }
  if (name === `www.${UPSTREAM_ZONE}` || name === `big.${UPSTREAM_ZONE}`) return buildResponse(query, []);
  return buildResponse(query, [], { rcode: Rcode.NXDOMAIN });
}

/** UpstreamServer is the test's own DNS server on a host address it controls. */
export interface UpstreamServer {
  address: string;
  /** Every question it was asked: "name type udp|tcp". */
  asked: string[];
  close(): Promise<void>;
}

/** startUpstream serves the test zone over UDP and TCP on address:53. */
export async function startUpstream(address: string): Promise<UpstreamServer> {
  const asked: string[] = [];
  const record = (q: Buffer, proto: string): void => {
    const c = checkQuery(q);
    if (c.ok) asked.push(`${c.question.name} ${c.question.type} ${proto}`);
  };
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    record(msg, 'udp');
    const reply = answerFor(msg, false);
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(53, address, () => resolve());
  });
  const tcp: Server = createServer((c) => {
    c.on('error', () => undefined);
    const framer = new TcpFramer(
      (msg) => {
        record(msg, 'tcp');
        const reply = answerFor(msg, true);
        if (reply) c.write(TcpFramer.frame(reply));
      },
      () => c.destroy(),
    );
    c.on('data', (d: Buffer) => framer.push(d));
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(53, address, () => resolve());
  });
  return {
    address,
    asked,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
