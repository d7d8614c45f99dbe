// The servers of the tests' own "internet" (test/support/test-internet.ts), run inside its network
// namespace with `ip netns exec`: HTTP on port 80 of every address (the answer names the address
// it was reached on) and DNS on DNS_ADDRESS:53 (UDP) for the zone below. Plain JavaScript: it
// runs under node alone, without the test's TypeScript loader.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';

const [dnsAddress, zoneJson] = process.argv.slice(2);
/** zone: name → IPv4 address (A records, TTL 5 s), and the fresh names below; every other name is NXDOMAIN. */
const zone = JSON.parse(zoneJson);

// Port 81 only counts connections (GET /count81 on port 80 reads the count): a test can tell
// whether a container's packets arrived even when the answer cannot reach it (a forged source).
let count81 = 0;
createTcpServer((c) => {
  count81++;
  c.destroy();
}).listen(81, '0.0.0.0');

// Port 82 is a sink: it reads a connection to its end and keeps its byte count and the time from
// its first to its last byte (GET /sink on port 80 reads them, JSON), so a test times a transfer
// where it arrives, whatever the sender's tools do at the end.
const sink = [];
createTcpServer((c) => {
  const t = { from: c.remoteAddress, bytes: 0, first: 0, last: 0 };
  c.on('data', (d) => {
    const now = performance.now();
    if (t.bytes === 0) t.first = now;
    t.bytes += d.length;
    t.last = now;
  });
  c.on('end', () => {
    sink.push({ from: t.from, bytes: t.bytes, ms: Math.round(t.last - t.first) });
    c.end();
  });
  c.on('error', () => undefined);
}).listen(82, '0.0.0.0');

// Port 83 (UDP) counts datagrams (GET /udp83 reads the count): no answer is needed, so a test
// counts what a container with a forged source sent.
let udp83 = 0;
const counter = createSocket('udp4');
counter.on('message', () => void udp83++);
counter.bind(83, '0.0.0.0');

createServer((req, res) => {
  if (req.url === '/sink') return void res.end(`${JSON.stringify(sink)}\n`);
  if (req.url === '/udp83') return void res.end(`${udp83}\n`);
  res.end(req.url === '/count81' ? `${count81}\n` : `hello from ${req.socket.localAddress}\n`);
}).listen(80, '0.0.0.0');

function readName(msg, pos) {
  const labels = [];
  while (msg[pos] !== 0) {
    labels.push(msg.subarray(pos + 1, pos + 1 + msg[pos]).toString('latin1'));
    pos += 1 + msg[pos];
  }
  return { name: labels.join('.').toLowerCase(), end: pos + 1 };
}

const udp = createSocket('udp4');
udp.on('message', (q, rinfo) => {
  if (q.length < 17) return;
  const { name, end } = readName(q, 12);
  const type = q.readUInt16BE(end);
  const question = q.subarray(12, end + 4);
  const header = Buffer.from(q.subarray(0, 12));
  // n<K>.fresh.allowed.test (K < 200) answers 203.0.113.<40+K>: a name never asked before, with an
  // address no other name has, so each lookup makes the relay learn an address anew.
  const fresh = /^n([0-9]{1,3})\.fresh\.allowed\.test$/.exec(name);
  const address = zone[name] ?? (fresh && Number(fresh[1]) < 200 ? `203.0.113.${40 + Number(fresh[1])}` : undefined);
  const answers = address && type === 1 ? [address] : [];
  header.writeUInt16BE(0x8180 | (address ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt32BE(0, 8);
  const rrs = answers.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(5, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((o, i) => {
      rr[12 + i] = Number(o);
    });
    return rr;
  });
  udp.send(Buffer.concat([header, question, ...rrs]), rinfo.port, rinfo.address);
});
udp.bind(53, dnsAddress, () => process.stdout.write('ready\n'));
