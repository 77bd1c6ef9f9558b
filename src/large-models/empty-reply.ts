/**
 * True when an LM's answer text holds nothing (`content: null`, an empty string, only white space,
 * no text block): such a reply is not an answer, so it is never cached and the probe counts it.
 */
export function isEmptyReply(text: string): boolean {
  return text.trim() === "";
}
