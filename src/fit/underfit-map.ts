import { z } from "zod";
import type { LmReliability } from "../adapter/lm-reliability.js";

/**
 * Where the LM is wrong, estimated on the probed rows with gold labels: per label (as predicted
 * and as true label), per region of the input space (the SSM's out-of-fold predicted label, and the
 * text-length quartile) and per band of SSM confidence.
 */
export interface UnderfitMap {
  perLabel: { label: string; support: number; lmRecall: number; lmPrecision: number }[];
  perRegion: { region: string; count: number; lmAccuracy: number; ssmAccuracy: number }[];
  perConfidenceBand: { band: string; count: number; lmAccuracy: number; ssmAccuracy: number }[];
}

export const underfitMapSchema = z.object({
  perLabel: z.array(
    z.object({ label: z.string(), support: z.number(), lmRecall: z.number(), lmPrecision: z.number() }),
  ),
  perRegion: z.array(
    z.object({ region: z.string(), count: z.number(), lmAccuracy: z.number(), ssmAccuracy: z.number() }),
  ),
  perConfidenceBand: z.array(
    z.object({ band: z.string(), count: z.number(), lmAccuracy: z.number(), ssmAccuracy: z.number() }),
  ),
});

export const confidenceBands = [0, 0.5, 0.7, 0.9, 0.97, 1.0000001] as const;

export function buildUnderfitMap(input: {
  labels: readonly string[];
  rows: readonly number[];
  goldIds: Int32Array;
  answerIds: Int32Array;
  ssmTopLabel: Int32Array;
  ssmTop: Float64Array;
  textLengths: Int32Array;
  reliability: LmReliability;
}): UnderfitMap {
  const { labels, rows, goldIds, answerIds, reliability } = input;
  const support = new Array<number>(labels.length).fill(0);
  for (const row of rows) {
    const gold = goldIds[row] ?? -1;
    if (gold >= 0) support[gold] = (support[gold] ?? 0) + 1;
  }
  const perLabel = labels.map((label, index) => ({
    label,
    support: support[index] ?? 0,
    lmRecall: reliability.recall[index] ?? 0,
    lmPrecision: reliability.precision[index] ?? 0,
  }));
  const tally = new Map<string, { count: number; lm: number; ssm: number }>();
  const add = (key: string, row: number): void => {
    const entry = tally.get(key) ?? { count: 0, lm: 0, ssm: 0 };
    entry.count += 1;
    if (answerIds[row] === goldIds[row]) entry.lm += 1;
    if (input.ssmTopLabel[row] === goldIds[row]) entry.ssm += 1;
    tally.set(key, entry);
  };
  const lengths = rows.map((row) => input.textLengths[row] ?? 0).sort((left, right) => left - right);
  const quartile = (fraction: number): number => lengths[Math.floor(fraction * (lengths.length - 1))] ?? 0;
  const cuts = [quartile(0.25), quartile(0.5), quartile(0.75)];
  for (const row of rows) {
    add(`ssm-predicts:${labels[input.ssmTopLabel[row] ?? 0] ?? "?"}`, row);
    const length = input.textLengths[row] ?? 0;
    const bucket = cuts.filter((cut) => length > cut).length + 1;
    add(`length-quartile:${bucket}`, row);
    const top = input.ssmTop[row] ?? 0;
    for (let band = 0; band < confidenceBands.length - 1; band += 1) {
      const low = confidenceBands[band] ?? 0;
      const high = confidenceBands[band + 1] ?? 1;
      if (top >= low && top < high) add(`band:${low.toFixed(2)}-${Math.min(high, 1).toFixed(2)}`, row);
    }
  }
  const summarise = (prefix: string) =>
    [...tally.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, entry]) => ({
        key: key.slice(prefix.length),
        count: entry.count,
        lmAccuracy: entry.lm / entry.count,
        ssmAccuracy: entry.ssm / entry.count,
      }));
  const regions = [
    ...summarise("ssm-predicts:"),
    ...summarise("length-quartile:").map((entry) => ({
      ...entry,
      key: `length-quartile-${entry.key}`,
    })),
  ];
  return {
    perLabel,
    perRegion: regions
      .sort((left, right) => left.lmAccuracy - right.lmAccuracy)
      .map(({ key, count, lmAccuracy, ssmAccuracy }) => ({ region: key, count, lmAccuracy, ssmAccuracy })),
    perConfidenceBand: summarise("band:").map(({ key, count, lmAccuracy, ssmAccuracy }) => ({
      band: key,
      count,
      lmAccuracy,
      ssmAccuracy,
    })),
  };
}
