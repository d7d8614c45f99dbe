import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { MsbError, type ErrorCode } from './errors.js';
import { describeSystemError } from './system-error.js';

/** MAX_CONFIG_BYTES bounds what msb reads of config.json or a policy: Docker's are ~10–50 KiB. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * readRegularFile reads a whole regular file (symlinks followed), at most `max` bytes, and
 * refuses anything else before reading a byte: a FIFO would block create for good and a link to
 * /dev/zero would read until the OOM killer came (runc refuses both too). The file is opened with
 * O_NONBLOCK, so opening a FIFO returns at once, and checked with fstat on that descriptor, so it
 * cannot be swapped between the check and the read. `what` names the file in errors
 * ("config.json /b/config.json").
 */
export function readRegularFile(path: string, what: string, code: ErrorCode, max = MAX_CONFIG_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new MsbError(code, `cannot read ${what}: ${describeSystemError(err)}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new MsbError(code, `${what} is ${kindOf(st)}, not a regular file; msb reads only regular files`);
    if (st.size > max) throw new MsbError(code, `${what} is ${st.size} bytes, more than msb reads (${max})`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One byte past the limit tells a file that grew since fstat from one that did not.
      const chunk = Buffer.alloc(Math.min(64 * 1024, max + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new MsbError(code, `cannot read ${what}: ${describeSystemError(err)}`, { cause: err });
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) throw new MsbError(code, `${what} is more than ${max} bytes, more than msb reads`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
