/** The label an LM's answer names, or why the answer names none. */
export type ParseLabelResult = { success: true; label: string } | { success: false; reason: string };

/**
 * Maps an LM's answer to one of `labels`, or says why it cannot. Accepted: the exact label; the label
 * ignoring case, whitespace and punctuation; "Label: X" and similar prefixes; quoted or emphasised
 * labels; the label's 1-based number in the list; a unique close match (small edit distance, no tie).
 * Anything else is unparseable: never guessed.
 */
export type LabelParser = (answer: string) => ParseLabelResult;

const parsers = new WeakMap<readonly string[], LabelParser>();

/** Maps one LM answer to one of `labels` (see LabelParser for what is accepted); parsers are reused per label array. */
export function parseLabel(answer: string, labels: readonly string[]): ParseLabelResult {
  let parser = parsers.get(labels);
  if (parser === undefined) {
    parser = createLabelParser(labels);
    parsers.set(labels, parser);
  }
  return parser(answer);
}

const prefixPattern =
  /^(?:the\s+)?(?:final\s+)?(?:label|answer|category|class|intent|sentiment|classification)\s*(?:is)?\s*[:=-]?\s*/i;
const wrapperPattern = /^[\s"'`*_([{<«“‘]+|[\s"'`*_)\]}>»”’.!,;:]+$/g;

export function normalizeLabelText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/** A LabelParser for `labels`, built once for answers to the same task. */
export function createLabelParser(labels: readonly string[]): LabelParser {
  const exact = new Set(labels);
  const normalized = new Map<string, string | null>();
  for (const label of labels) {
    const key = normalizeLabelText(label);
    normalized.set(key, normalized.has(key) ? null : label);
  }
  const normalizedKeys = [...normalized.entries()];

  const byNormalizedText = (text: string): string | null | undefined =>
    normalized.get(normalizeLabelText(text));

  return (answer) => {
    const trimmed = answer.trim();
    if (exact.has(trimmed)) return { success: true, label: trimmed };
    if (trimmed === "") return { success: false, reason: "empty answer" };

    const candidates = [trimmed];
    let stripped = trimmed.replace(wrapperPattern, "");
    candidates.push(stripped);
    const withoutPrefix = stripped.replace(prefixPattern, "").replace(wrapperPattern, "");
    if (withoutPrefix !== stripped) candidates.push(withoutPrefix);
    stripped = withoutPrefix;

    for (const candidate of candidates) {
      if (exact.has(candidate)) return { success: true, label: candidate };
      const found = byNormalizedText(candidate);
      if (found === null) return { success: false, reason: `answer "${trimmed}" matches several labels` };
      if (found !== undefined) return { success: true, label: found };
    }

    const numbered = /^#?(\d{1,4})(?:\s*[.):-]\s*(.*))?$/s.exec(stripped);
    if (numbered !== null) {
      const rest = numbered[2]?.trim() ?? "";
      if (rest !== "") {
        const found = byNormalizedText(rest.replace(wrapperPattern, ""));
        if (typeof found === "string") return { success: true, label: found };
      } else {
        const label = labels[Number(numbered[1]) - 1];
        if (label !== undefined) return { success: true, label };
        return { success: false, reason: `answer "${trimmed}" is no label number (1-${labels.length})` };
      }
    }

    const target = normalizeLabelText(stripped);
    if (target.length >= 3 && target.length <= 200) {
      const tolerance = Math.min(3, Math.floor(target.length / 5));
      let best: string | undefined;
      let bestDistance = Number.POSITIVE_INFINITY;
      let tie = false;
      for (const [key, label] of normalizedKeys) {
        if (label === null || Math.abs(key.length - target.length) > tolerance) continue;
        const distance = editDistance(target, key, tolerance);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = label;
          tie = false;
        } else if (distance === bestDistance) {
          tie = true;
        }
      }
      if (best !== undefined && bestDistance <= tolerance && !tie) return { success: true, label: best };
    }
    return { success: false, reason: `answer "${truncate(trimmed)}" matches no label` };
  };
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
export function editDistance(left: string, right: string, limit = Number.POSITIVE_INFINITY): number {
  const previous = new Int32Array(right.length + 1);
  const current = new Int32Array(right.length + 1);
  for (let column = 0; column <= right.length; column++) previous[column] = column;
  for (let row = 1; row <= left.length; row++) {
    current[0] = row;
    let rowMinimum = row;
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      const value = Math.min(substitution, previous[column]! + 1, current[column - 1]! + 1);
      current[column] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    previous.set(current);
  }
  return previous[right.length]!;
}
