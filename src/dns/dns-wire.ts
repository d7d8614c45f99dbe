// DNS wire format (RFC 1035 §4.1): just enough to check, route and re-address messages. The relay
// never rewrites answers; it swaps message ids and reads the question to match replies.

/** DNS_HEADER_LENGTH is the fixed header size of every DNS message. */
export const DNS_HEADER_LENGTH = 12;

/** MAX_UDP_MESSAGE bounds what the relay accepts in one datagram (EDNS payloads stay below it). */
export const MAX_UDP_MESSAGE = 4096;

/** Rcode are the response codes the relay looks at. */
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Question is a message's first (and, for queries, only) question. */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/** DnsHeader is the fixed header of a message. */
export interface DnsHeader {
  id: number;
  response: boolean;
  opcode: number;
  truncated: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** readHeader decodes the header, or returns undefined for a message shorter than one. */
export function readHeader(msg: Uint8Array): DnsHeader | undefined {
  if (msg.length < DNS_HEADER_LENGTH) return undefined;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = v.getUint16(2);
  return {
    id: v.getUint16(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    qdcount: v.getUint16(4),
    ancount: v.getUint16(6),
    nscount: v.getUint16(8),
    arcount: v.getUint16(10),
  };
}

/**
 * readName decodes a possibly compressed name at offset; returns the lower-cased dotted name and
 * the offset after it in the message, or undefined when the name is malformed (labels past the
 * end, pointer loops, more than 255 bytes, reserved label types).
 */
export function readName(msg: Uint8Array, offset: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let length = 0;
  for (let jumps = 0; jumps < 64; ) {
    if (pos >= msg.length) return undefined;
    const len = msg[pos] as number;
    if (len === 0) {
      return { name: labels.join('.').toLowerCase(), end: end < 0 ? pos + 1 : end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) return undefined;
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | (msg[pos + 1] as number);
      jumps++;
      continue;
    }
    if ((len & 0xc0) !== 0) return undefined;
    if (pos + 1 + len > msg.length) return undefined;
    length += len + 1;
    if (length > 255) return undefined;
    labels.push(Buffer.from(msg.subarray(pos + 1, pos + 1 + len)).toString('latin1'));
    pos += 1 + len;
  }
  return undefined;
}

/** readQuestion decodes the first question, or undefined when there is none or it is malformed. */
export function readQuestion(msg: Uint8Array): Question | undefined {
  const h = readHeader(msg);
  if (!h || h.qdcount < 1) return undefined;
  const n = readName(msg, DNS_HEADER_LENGTH);
  if (!n || n.end + 4 > msg.length) return undefined;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  return { name: n.name, type: v.getUint16(n.end), class: v.getUint16(n.end + 2) };
}

/** QueryCheck is a query the relay may forward, with its question, or why it must be dropped. */
export type QueryCheck = { ok: true; header: DnsHeader; question: Question } | { ok: false; reason: string };

/** checkQuery accepts a standard query with exactly one well-formed question; anything else is dropped. */
export function checkQuery(msg: Uint8Array): QueryCheck {
  const header = readHeader(msg);
  if (!header) return { ok: false, reason: 'shorter than a header' };
  if (header.response) return { ok: false, reason: 'a response, not a query' };
  if (header.opcode !== 0) return { ok: false, reason: `opcode ${header.opcode} is not QUERY` };
  if (header.qdcount !== 1) return { ok: false, reason: `${header.qdcount} questions` };
  if (header.ancount !== 0 || header.nscount !== 0) return { ok: false, reason: 'a query with answer or authority records' };
  const question = readQuestion(msg);
  if (!question) return { ok: false, reason: 'malformed question' };
  return { ok: true, header, question };
}

/** withId returns a copy of msg carrying message id `id`. */
export function withId(msg: Uint8Array, id: number): Buffer {
  const copy = Buffer.from(msg);
  copy.writeUInt16BE(id & 0xffff, 0);
  return copy;
}

/** sameQuestion is true when a reply answers the question that was asked (names compare case-insensitively). */
export function sameQuestion(a: Question | undefined, b: Question | undefined): boolean {
  return a !== undefined && b !== undefined && a.name === b.name && a.type === b.type && a.class === b.class;
}

/** encodeName writes a dotted name as uncompressed labels. */
export function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
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
    else if (type === 28 && rdlen === 16) data = Array.from({ length: 8 }, (_, k) => ((raw[2 * k] as number) * 256 + (raw[2 * k + 1] as number)).toString(16)).join(':');
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
