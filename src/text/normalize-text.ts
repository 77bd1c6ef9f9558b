// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point of the test
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Unicode NFKC then lower case (a close, cheap stand-in for full case folding). ASCII skips NFKC. */
export function normalizeText(text: string): string {
  return (ASCII_ONLY.test(text) ? text : text.normalize("NFKC")).toLowerCase();
}
