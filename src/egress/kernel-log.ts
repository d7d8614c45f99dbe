import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';

/** KernelRecord is one record of the kernel's log: microseconds since boot and its text (first line). */
export interface KernelRecord {
  usec: number;
  text: string;
}

/** parseKmsgRecord reads one /dev/kmsg record (`prio,seq,usec,flags;text\n continuation…`). */
export function parseKmsgRecord(raw: string): KernelRecord | undefined {
  const semi = raw.indexOf(';');
  if (semi < 0) return undefined;
  const usec = Number(raw.slice(0, semi).split(',')[2]);
  if (!Number.isFinite(usec)) return undefined;
  return { usec, text: raw.slice(semi + 1).split('\n')[0] ?? '' };
}

/**
 * KmsgReader reads the kernel's log from /dev/kmsg without blocking: each read returns one
 * record; the file keeps its position, so `next()` after a pause returns only what came since
 * (msbctl egress log --follow). Records the kernel overwrote before they were read are skipped.
 */
export class KmsgReader {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(16384);

  constructor(path = '/dev/kmsg') {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** next returns every record not read yet. */
  next(): KernelRecord[] {
    const out: KernelRecord[] = [];
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records overwritten since the last read: go on from the oldest left
        if (code === 'EAGAIN') break;
        throw err;
      }
      if (n <= 0) break;
      const r = parseKmsgRecord(this.buf.subarray(0, n).toString('utf8'));
      if (r) out.push(r);
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** bootTimeMs is when the kernel's clock started, as a Unix time in ms (from /proc/uptime). */
export function bootTimeMs(now = Date.now(), uptime = (): string => readFileSync('/proc/uptime', 'utf8')): number {
  return now - Number(uptime().split(' ')[0]) * 1000;
}
