/**
 * The create helper's wire format (docs/create-helper.md), spoken with client.c: frames of a
 * 4-byte little-endian length and a payload of one kind byte followed by NUL-terminated fields.
 *
 *   client → helper  Q  cwd, argc, argv…, envc, env…   the runtime's command line and environment
 *   helper → client  A                                  acknowledged: the helper is alive
 *   client → helper  G                                  go (sent only if A came in time)
 *   helper → client  F  reason                          declined, nothing done: run the Node path
 *   helper → client  E  status, stderr                  finished: print stderr, exit status
 *   helper → client  R  timeoutMs, binary, args…        run the backend's create, then report
 *   client → helper  S  status, timedOut, errno         how it ended; the helper answers with E
 */
export type FrameKind = 'Q' | 'A' | 'G' | 'F' | 'E' | 'R' | 'S';

/** Frame is one decoded frame. */
export interface Frame {
  kind: FrameKind;
  fields: string[];
}

/** MAX_FRAME bounds a frame (a command line and environment fit many times over). */
const MAX_FRAME = 4 << 20;

const KINDS = new Set<string>(['Q', 'A', 'G', 'F', 'E', 'R', 'S']);

/** encodeFrame is the bytes of one frame. */
export function encodeFrame(kind: FrameKind, fields: readonly string[] = []): Buffer {
  const payload = Buffer.from(kind + fields.map((f) => `${f}\0`).join(''), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(payload.length);
  return Buffer.concat([head, payload]);
}

/** FrameReader cuts a byte stream into frames; it throws on a frame no client sends. */
export class FrameReader {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32LE(0);
      if (length < 1 || length > MAX_FRAME) throw new Error(`bad frame length ${length}`);
      if (this.buffered.length < 4 + length) break;
      const payload = this.buffered.subarray(4, 4 + length).toString('utf8');
      this.buffered = this.buffered.subarray(4 + length);
      const kind = payload[0] as string;
      if (!KINDS.has(kind)) throw new Error(`unknown frame kind ${JSON.stringify(kind)}`);
      const rest = payload.slice(1);
      if (rest.length > 0 && !rest.endsWith('\0')) throw new Error('unterminated field');
      frames.push({ kind: kind as FrameKind, fields: rest.length === 0 ? [] : rest.slice(0, -1).split('\0') });
    }
    return frames;
  }
}

/** CreateCall is a decoded Q frame. */
export interface CreateCall {
  cwd: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
}

/** decodeCall reads a Q frame's fields. */
export function decodeCall(fields: readonly string[]): CreateCall {
  const count = (at: number): number => {
    const n = Number(fields[at]);
    if (!Number.isInteger(n) || n < 0 || at + 1 + n > fields.length) throw new Error(`bad count at field ${at}`);
    return n;
  };
  const cwd = fields[0] ?? '/';
  const argc = count(1);
  const argv = fields.slice(2, 2 + argc);
  const envc = count(2 + argc);
  const env: NodeJS.ProcessEnv = {};
  for (const kv of fields.slice(3 + argc, 3 + argc + envc)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { cwd, argv, env };
}
