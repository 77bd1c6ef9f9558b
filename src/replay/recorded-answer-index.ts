import type { RecordedAnswer } from "../data/recorded-answers.js";

/**
 * Finds the recorded answer for a prompt message: the recorded text equal to the trimmed message
 * (a Map lookup), else the longest recorded text the message contains. The first recording of a
 * text wins when a text is recorded twice.
 */
export interface RecordedAnswerIndex {
  readonly size: number;
  find(message: string): RecordedAnswer | undefined;
}

export function createRecordedAnswerIndex(answers: readonly RecordedAnswer[]): RecordedAnswerIndex {
  const byText = new Map<string, RecordedAnswer>();
  for (const answer of answers) {
    const key = answer.text.trim();
    if (key !== "" && !byText.has(key)) byText.set(key, answer);
  }
  let longestFirst: string[] | undefined;
  return {
    size: byText.size,
    find(message) {
      const exact = byText.get(message.trim());
      if (exact !== undefined) return exact;
      longestFirst ??= [...byText.keys()].sort((left, right) => right.length - left.length);
      for (const text of longestFirst) {
        if (text.length <= message.length && message.includes(text)) return byText.get(text);
      }
      return undefined;
    },
  };
}
