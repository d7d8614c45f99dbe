// Edits are placed by the yaml package's node ranges and applied to the original text, so every
// byte harden does not mean to change stays as it was: yaml's own stringify would re-indent
// sequences, respace flow collections and comments (measured on a mixed-style compose file).
import { isMap, isScalar, isSeq, parse, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/** TextEdit replaces `remove` characters at `offset` with `insert`. */
export interface TextEdit {
  offset: number;
  remove: number;
  insert: string;
}

/** Entry is a key to add: a formatted scalar value or nested entries (a mapping). */
export interface Entry {
  key: string;
  value: string | Entry[];
}

/** applyEdits applies non-overlapping edits; edits at one offset keep their order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.offset - a.e.offset || b.i - a.i);
  let out = text;
  for (const { e } of ordered) out = out.slice(0, e.offset) + e.insert + out.slice(e.offset + e.remove);
  return out;
}

// PyYAML (docker-compose 1.x) reads YAML 1.1, where these plain words are booleans.
const YAML11_BOOLEANS = /^(y|n|yes|no|true|false|on|off)$/i;

/** yamlScalar writes value plain when YAML 1.1 and 1.2 read it back as the same string, else double-quoted. */
export function yamlScalar(value: string): string {
  try {
    if (parse(value) === value && !YAML11_BOOLEANS.test(value) && !/[#:,{}[\]]/.test(value)) return value;
  } catch {
    // not plain YAML: quote it
  }
  return JSON.stringify(value);
}

/** columnOf is the column of a text offset. */
export function columnOf(text: string, offset: number): number {
  return offset - text.lastIndexOf('\n', offset - 1) - 1;
}

/** renderBlock writes entries as block-mapping lines at indent, nesting by step. */
function renderBlock(entries: readonly Entry[], indent: number, step: number, nl: string): string {
  return entries
    .map((e) =>
      typeof e.value === 'string'
        ? `${' '.repeat(indent)}${e.key}: ${e.value}${nl}`
        : `${' '.repeat(indent)}${e.key}:${nl}${renderBlock(e.value, indent + step, step, nl)}`,
    )
    .join('');
}

/** renderFlow writes entries as the inside of a flow mapping. */
function renderFlow(entries: readonly Entry[]): string {
  return entries.map((e) => `${e.key}: ${typeof e.value === 'string' ? e.value : `{${renderFlow(e.value)}}`}`).join(', ');
}

/**
 * insertEntries adds entries at the top of a mapping: in a block mapping as lines right after the
 * line of its key (`web:`), indented like its first key; in a flow mapping before its first key.
 */
export function insertEntries(text: string, key: Scalar, map: YAMLMap, entries: readonly Entry[], step: number, nl: string): TextEdit {
  const first = map.items[0] as Pair<Scalar, unknown> | undefined;
  if (map.flow) {
    if (first === undefined) return { offset: map.range![0] + 1, remove: 0, insert: renderFlow(entries) };
    return { offset: first.key.range![0], remove: 0, insert: `${renderFlow(entries)}, ` };
  }
  const indent = first === undefined ? columnOf(text, key.range![0]) + step : columnOf(text, first.key.range![0]);
  const lineEnd = text.indexOf('\n', key.range![1]);
  if (lineEnd < 0) return { offset: text.length, remove: 0, insert: nl + renderBlock(entries, indent, step, nl) };
  return { offset: lineEnd + 1, remove: 0, insert: renderBlock(entries, indent, step, nl) };
}

/** replaceScalar swaps a scalar's source text for a new value, keeping what surrounds it. */
export function replaceScalar(node: unknown, value: string): TextEdit | undefined {
  if (!isScalar(node) || node.range === undefined || node.range === null) return undefined;
  return { offset: node.range[0], remove: node.range[1] - node.range[0], insert: value };
}

/** prependSeqItem adds a string item at the top of a sequence (block: a `- item` line before its first item; flow: first in the brackets). */
export function prependSeqItem(text: string, seq: YAMLSeq, item: string, nl: string): TextEdit | undefined {
  const first = seq.items[0];
  if (seq.flow) {
    if (first === undefined || !isScalar(first)) return { offset: seq.range![0] + 1, remove: 0, insert: item };
    return { offset: first.range![0], remove: 0, insert: `${item}, ` };
  }
  if (first === undefined || !(isScalar(first) || isMap(first) || isSeq(first))) return undefined;
  const lineStart = text.lastIndexOf('\n', first.range![0] - 1) + 1;
  const lead = /^[ ]*/.exec(text.slice(lineStart))![0];
  return { offset: lineStart, remove: 0, insert: `${lead}- ${item}${nl}` };
}
