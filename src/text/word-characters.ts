/**
 * True for the char codes that belong inside a word: ASCII letters and digits, and non-ASCII
 * except the usual punctuation, symbol and space blocks (a table-free approximation of
 * \p{L}|\p{N}|\p{M} that needs no allocation).
 */
export function isWordCode(code: number): boolean {
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
  }
  if (code < 0xc0) return code === 0xaa || code === 0xb5 || code === 0xba || (code >= 0xb2 && code <= 0xb3);
  if (code === 0xd7 || code === 0xf7) return false;
  if (code >= 0x2000 && code <= 0x2bff) return false; // punctuation, symbols, arrows, dingbats
  if (code >= 0x3000 && code <= 0x303f) return false; // CJK punctuation
  if (code >= 0xfe30 && code <= 0xfe4f) return false;
  if (code >= 0xff00 && code <= 0xff0f) return false;
  return true;
}
