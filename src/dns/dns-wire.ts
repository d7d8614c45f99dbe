// DNS wire format (RFC 1035 §4.1): just enough to check, route and re-address messages. The relay
// never rewrites answers; it swaps message ids and reads the question to match replies.

/** DNS_HEADER_LENGTH is the fixed header size of every DNS message. */
export const DNS_HEADER_LENGTH = 12;

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
