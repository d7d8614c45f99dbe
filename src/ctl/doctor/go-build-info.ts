// The Go toolchain a binary was built with, as `go version -m` reads it, without needing Go: Go
// ≥ 1.18 writes a ".go.buildinfo" blob that starts with a 14-byte magic, then the pointer size,
// a flags byte, and (flag 0x2, "strings inline") at offset 32 the version string prefixed with its
// uvarint length (src/debug/buildinfo/buildinfo.go in the Go tree).
const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const FLAG_INLINE_STRINGS = 0x2;

function readUvarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && shift < 35; i++) {
    const b = buf[i] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/**
 * goBuildVersion returns the Go version a binary was built with ("go1.24.4"), or undefined when it
 * has no inline build info (not Go, or older than Go 1.18, whose build info holds pointers instead).
 */
export function goBuildVersion(binary: Buffer): string | undefined {
  const at = binary.indexOf(MAGIC);
  if (at < 0 || at + 32 > binary.length) return undefined;
  if (((binary[at + 15] ?? 0) & FLAG_INLINE_STRINGS) === 0) return undefined;
  const length = readUvarint(binary, at + 32);
  if (!length || length.value > 64) return undefined;
  const version = binary.subarray(length.next, length.next + length.value).toString('latin1');
  return /^go\d+\.\d+/.test(version) ? version : undefined;
}

/** goMinor is the minor version of a Go version string ("go1.26.2" → 26), undefined if unreadable. */
export function goMinor(version: string): number | undefined {
  const m = /^go1\.(\d+)/.exec(version);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
