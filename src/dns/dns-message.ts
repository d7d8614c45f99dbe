// Whole DNS messages (RFC 1035 §4.1), built and decoded: for the answer cache, msbctl, the
// benchmark and the tests. The relay's hot path needs only dns-wire.ts.
import { DNS_HEADER_LENGTH, readHeader, readName, Rcode } from './dns-wire.js';

/** encodeName writes a dotted name as uncompressed labels. */
export function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  const bufs = parts.map((l) => {
    const b = Buffer.from(l, 'latin1');
    if (b.length > 63) throw new Error(`label too long in ${name}`);
    return Buffer.concat([Buffer.from([b.length]), b]);
  });
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

/** buildQuery makes a standard recursive query (for tests, the benchmark and health checks). */
export function buildQuery(id: number, name: string, type = 1): Buffer {
  const header = Buffer.alloc(DNS_HEADER_LENGTH);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/** ResourceRecord is one answer record, decoded for A, AAAA, PTR, CNAME and TXT; other types keep their raw data. */
export interface ResourceRecord {
  name: string;
  type: number;
  ttl: number;
  data: string;
}

/** readAnswers decodes the answer section (for tests and msbctl; the relay itself does not need it). */
export function readAnswers(msg: Uint8Array): ResourceRecord[] | undefined {
  const h = readHeader(msg);
  if (!h) return undefined;
  let pos = DNS_HEADER_LENGTH;
  for (let i = 0; i < h.qdcount; i++) {
    const n = readName(msg, pos);
    if (!n) return undefined;
    pos = n.end + 4;
  }
  const out: ResourceRecord[] = [];
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  for (let i = 0; i < h.ancount; i++) {
    const n = readName(msg, pos);
    if (!n || n.end + 10 > msg.length) return undefined;
    const type = v.getUint16(n.end);
    const ttl = v.getUint32(n.end + 4);
    const rdlen = v.getUint16(n.end + 8);
    const rd = n.end + 10;
    if (rd + rdlen > msg.length) return undefined;
    const raw = msg.subarray(rd, rd + rdlen);
    let data: string;
    if (type === 1 && rdlen === 4) data = Array.from(raw).join('.');
    else if (type === 28 && rdlen === 16)
      data = Array.from({ length: 8 }, (_, k) => ((raw[2 * k] as number) * 256 + (raw[2 * k + 1] as number)).toString(16)).join(':');
    else if (type === 12 || type === 5) data = readName(msg, rd)?.name ?? '';
    else if (type === 16) data = Buffer.from(raw.subarray(1, 1 + (raw[0] ?? 0))).toString('latin1');
    else data = Buffer.from(raw).toString('hex');
    out.push({ name: n.name, type, ttl, data });
    pos = rd + rdlen;
  }
  return out;
}

/** AnswerRecord is one record for buildResponse: a type and its wire-format data. */
export interface AnswerRecord {
  type: number;
  ttl: number;
  data: Buffer;
}

/**
 * buildResponse answers `query` with records (all named as the question, by a compression
 * pointer to it); the test's upstream server and the benchmark use it, the relay does not.
 */
export function buildResponse(query: Uint8Array, records: readonly AnswerRecord[], opts: { rcode?: number; truncated?: boolean } = {}): Buffer {
  const n = readName(query, DNS_HEADER_LENGTH);
  if (!n) throw new Error('buildResponse: malformed query');
  const questionEnd = n.end + 4;
  const header = Buffer.from(query.subarray(0, DNS_HEADER_LENGTH));
  const rd = header.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0080 | rd | (opts.truncated ? 0x0200 : 0) | ((opts.rcode ?? Rcode.NOERROR) & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const rrs = records.map((r) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc000 | DNS_HEADER_LENGTH, 0);
    fixed.writeUInt16BE(r.type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(r.ttl, 6);
    fixed.writeUInt16BE(r.data.length, 10);
    return Buffer.concat([fixed, r.data]);
  });
  return Buffer.concat([header, Buffer.from(query.subarray(DNS_HEADER_LENGTH, questionEnd)), ...rrs]);
}
