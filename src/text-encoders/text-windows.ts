/** Text handed to the model for an empty or whitespace-only text: gives every such text one fixed vector. */
export const emptyTextStandIn = " ";

const sentenceEnd = /(?<=[.!?])\s+/;
const htmlLineBreak = /<br\s*\/?>/gi;
const whitespace = /\s+/;

export function countWords(text: string): number {
  let words = 0;
  for (const word of text.split(whitespace)) if (word.length > 0) words++;
  return words;
}

/**
 * Splits a text into the pieces the model reads whole (the USE-lite graph clips its input at 128
 * tokens, about 90-100 words). A text of at most `windowWords` words is one window, unchanged.
 * A longer text is split at sentence ends and its sentences packed, in order, into windows of at
 * most `windowWords` words; a sentence longer than that is cut at word boundaries.
 */
export function textWindows(text: string, windowWords: number): string[] {
  const words = text.split(whitespace).filter((word) => word.length > 0);
  if (words.length === 0) return [emptyTextStandIn];
  if (words.length <= windowWords) return [text];
  const windows: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) windows.push(current.join(" "));
    current = [];
  };
  for (const sentence of text.replace(htmlLineBreak, " ").split(sentenceEnd)) {
    const sentenceWords = sentence.split(whitespace).filter((word) => word.length > 0);
    if (current.length + sentenceWords.length > windowWords) flush();
    for (let start = 0; start < sentenceWords.length; start += windowWords) {
      const piece = sentenceWords.slice(start, start + windowWords);
      if (piece.length === windowWords) {
        flush();
        windows.push(piece.join(" "));
      } else current.push(...piece);
    }
  }
  flush();
  return windows;
}
