/**
 * What an input text must be before it is decided or sent upstream: not empty once the characters
 * that show nothing are set aside, and not longer than the server's `--max-input-chars`.
 * @module
 */

/**
 * Whether a text to classify is empty: nothing but white space (as `String.prototype.trim` sees
 * it) and characters that show nothing: the C0 and C1 controls, the zero-width space, non-joiner
 * and joiner (U+200B..U+200D), the word joiner (U+2060) and the byte-order mark (U+FEFF).
 */
export function isEmptyText(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (!isBlank(text.charCodeAt(index))) return false;
  }
  return true;
}

/** Whether a UTF-16 code unit is white space, a control or a zero-width character. */
function isBlank(code: number): boolean {
  if (code <= 0x20 || (code >= 0x7f && code <= 0xa0)) return true;
  if (code < 0x1680) return false;
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200d) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x2060 ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** The length of a text in characters (Unicode code points: a surrogate pair counts once). */
export function characterCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    // A high surrogate followed by a low one is one character.
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
  }
  return count;
}

/** Whether a text is longer than `maxChars` characters (counted only when its UTF-16 length exceeds it). */
export function isTooLong(text: string, maxChars: number): boolean {
  return text.length > maxChars && characterCount(text) > maxChars;
}

/** `<where>: the input is N characters long; this server accepts at most M (--max-input-chars).` */
export function tooLongMessage(where: string, text: string, maxChars: number): string {
  return `${where}: the input is ${characterCount(text)} characters long; this server accepts at most ${maxChars} characters per input (--max-input-chars).`;
}
