/** DiffLine is one line of a line diff: kept (' '), removed ('-') or added ('+'). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

// Past this many cells the middle is reported as replaced wholesale instead of aligned.
const MAX_CELLS = 4_000_000;

/** splitLines splits text into lines without their terminators (a final newline ends the last line). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** diffLines aligns two line lists by their longest common subsequence (common ends trimmed first). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text): DiffLine => ({ op: ' ', text }));
  const tail = a.slice(endA).map((text): DiffLine => ({ op: ' ', text }));
  return [...head, ...alignMiddle(a.slice(start, endA), b.slice(start, endB)), ...tail];
}

function alignMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return [...a.map((text): DiffLine => ({ op: '-', text })), ...b.map((text): DiffLine => ({ op: '+', text }))];
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], in one flat table.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[at(i, j)] = a[i] === b[j] ? lcs[at(i + 1, j + 1)]! + 1 : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i++]! });
      j++;
    } else if (i < n && (j === m || lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!)) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  return out;
}

/** unifiedDiff renders a line diff as a unified diff with `context` lines around each change. */
export function unifiedDiff(oldName: string, newName: string, oldText: string, newText: string, context = 3): string[] {
  const lines = diffLines(splitLines(oldText), splitLines(newText));
  if (lines.every((l) => l.op === ' ')) return [];
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  const changed = lines.map((l, i) => (l.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  let k = 0;
  while (k < changed.length) {
    const first = Math.max(0, changed[k]! - context);
    let last = changed[k]!;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context) last = changed[++k]!;
    k++;
    const end = Math.min(lines.length - 1, last + context);
    const hunk = lines.slice(first, end + 1);
    const before = lines.slice(0, first);
    const oldStart = before.filter((l) => l.op !== '+').length + 1;
    const newStart = before.filter((l) => l.op !== '-').length + 1;
    out.push(`@@ -${oldStart},${hunk.filter((l) => l.op !== '+').length} +${newStart},${hunk.filter((l) => l.op !== '-').length} @@`);
    for (const l of hunk) out.push(`${l.op}${l.text}`);
  }
  return out;
}
