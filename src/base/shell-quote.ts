/** shQuote quotes one word for POSIX sh: single quotes, with each ' written as '\''. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** shQuoteAll quotes and joins words into one sh command line. */
export function shQuoteAll(words: readonly string[]): string {
  return words.map(shQuote).join(' ');
}
