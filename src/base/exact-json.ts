/**
 * Exact integers in config.json. JavaScript numbers hold integers exactly only up to 2^53, but
 * the OCI spec has uint64 fields where Docker writes 2^64-1 for "unlimited" (rlimits from
 * `--ulimit memlock=-1:-1`, daemon.json default-ulimits). JSON.parse rounds that to 2^64, and
 * JSON.stringify writes 18446744073709552000, which Go's decoder in runsc and runc refuses
 * ("cannot unmarshal number … of type uint64"). msb keeps every field it does not change, so it
 * writes each such literal back exactly as Docker wrote it.
 */

/** UINT64_MAX is the spec's "unlimited" for uint64 fields, as Docker writes it. */
const UINT64_MAX = '18446744073709551615';

/** forEachNumberToken calls visit with each number literal outside strings and its offset. */
function forEachNumberToken(text: string, visit: (token: string, start: number) => void): void {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const start = i;
      while (i + 1 < text.length && /[-+0-9.eE]/.test(text[i + 1] ?? '')) i++;
      visit(text.slice(start, i + 1), start);
    }
  }
}

/**
 * unsafeIntegerLiterals maps each integer literal of JSON text that a number cannot hold exactly
 * to how JSON.stringify writes its rounded value (18446744073709551615 → "18446744073709552000").
 */
export function unsafeIntegerLiterals(text: string): Map<string, string> {
  const literals = new Map<string, string>();
  forEachNumberToken(text, (token) => {
    if (!/^-?\d+$/.test(token)) return;
    const value = Number(token);
    if (Number.isSafeInteger(value)) return;
    const written = JSON.stringify(value);
    if (!literals.has(written)) literals.set(written, token);
  });
  return literals;
}

/** restoreIntegerLiterals puts the exact literals back into JSON text written by JSON.stringify. */
export function restoreIntegerLiterals(json: string, literals: ReadonlyMap<string, string>): string {
  if (literals.size === 0) return json;
  const parts: string[] = [];
  let last = 0;
  forEachNumberToken(json, (token, start) => {
    const exact = literals.get(token);
    if (exact === undefined) return;
    parts.push(json.slice(last, start), exact);
    last = start + token.length;
  });
  parts.push(json.slice(last));
  return parts.join('');
}

/** stringifySpec writes a rewritten spec with the original text's big integers kept exact. */
export function stringifySpec(spec: unknown, originalText: string): string {
  return restoreIntegerLiterals(JSON.stringify(spec), unsafeIntegerLiterals(originalText));
}

/** exactUint64 renders a uint64 spec value read through JSON.parse: 2^64 (rounded 2^64-1) is UINT64_MAX. */
export function exactUint64(value: number): string {
  if (value >= 2 ** 64) return UINT64_MAX;
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}
