import { z } from "zod";

/**
 * Options of the `embedding-linear` small model (a softmax regression over dense text
 * embeddings). Defaults chosen on train → dev (banking77) and 5-fold CV over train+dev (imdb)
 * with the encoder spike's cached USE-lite vectors; never on test. See
 * train-embedding-linear.ts for the figures.
 *
 * | option | default | meaning |
 * |---|---|---|
 * | learningRate | 0.005 | Adam's initial step, decayed linearly to ~0 over the planned updates |
 * | batchSize | 128 | rows per Adam update |
 * | l2 | "auto" | L2 penalty on the standardised weights; "auto": chosen from `l2Grid` by 5-fold CV (out-of-fold log-loss at its best temperature) on sets below `autoL2BelowRows` rows with at most 10 labels (the CV's cost grows with the labels), else 1e-3 |
 * | l2Grid | [1e-3, 1e-2, 0.1, 1] | the candidates "auto" tries on small sets |
 * | autoL2BelowRows | 3000 | below this many rows "auto" runs the CV (cheap there); at and above it uses 1e-3 |
 * | gradientFloor | 1e-3 | class gradients (p − y) smaller than this are skipped |
 * | maxEpochs | 6 | passes over the data (a fixed schedule: no early stopping) |
 * | minUpdates | 400 | small sets train more epochs so that at least this many Adam updates happen (at most 200 epochs) |
 * | heldOutFraction | 0.1 | share held out to fit the temperature (none when < 10 rows) |
 * | refit | "warm" | after the temperature, learn from the held-out rows too: "warm" continues from the weights over all rows for `warmRefitShare` × the epochs, the rate starting at `warmRefitRate` × learningRate; "full" retrains from scratch on all rows; "none" |
 * | warmRefitShare / warmRefitRate | 0.4 / 0.3 | see refit |
 * | seed | 1 | PRNG seed: same seed, same data → same model, bit for bit |
 * | classWeights | all 1 | per-label weight on the loss (label id order) |
 */
/*
 * How the defaults were chosen (USE-lite 512-d vectors cached by the encoder spike; banking77
 * train → dev, 1,001 rows, seeds 1/2/3; imdb 5-fold CV over train+dev, 710 reviews, mean of
 * ~80-word chunk vectors; test.csv never read). Spike reference: its Adam LR (40 epochs on all
 * rows, 23.6 s) banking dev 0.878, imdb CV ~0.855.
 *
 * | banking77 variant | dev acc seeds 1/2/3 (mean) | log-loss | train CPU s |
 * |---|---|---|---|
 * | **defaults: 7 epochs on 90 %, temperature on 10 %, warm refit 3 epochs at 0.3× rate** | **0.8821/0.8781/0.8771 (0.8791)** | 0.475 | 2.2–3.0 (loaded box) |
 * | no refit (90 % of the rows only) | 0.8761/0.8651/0.8721 (0.8711) | 0.492 | 1.6 |
 * | full refit from scratch (7 + 7 epochs) | 0.8751/0.8771/0.8731 (0.8751) | 0.474 | 3.1 |
 * | warm refit 2 epochs at 0.5× / 3 epochs at 1× | 0.8748 / 0.8781 (means) | 0.476 / 0.477 | 2.0 / 2.2 |
 * | minUpdates 320 (5 + 2 epochs) | 0.8738 (mean) | 0.479 | 2.1 |
 * | no held-out at all (temperature 1) | 0.8731 (mean) | 0.476 | 1.5 |
 * | no refit and: held-out 5 % / l2 1e-4 / batch 64 / rate 0.01 × 8 epochs | 0.8681 / 0.8678 / 0.8681 / 0.8705 | – | – |
 * | full refit, gradientFloor 0.01 | 0.8698 (mean) | 0.487 | 3.4 |
 * | early stopping on held-out calibrated loss, maxEpochs 14 | 0.8598 (mean; stops while the rate is high) | 0.502 | 2.0 |
 *
 * Under the linearly decaying rate, held-out early stopping never stopped a 6–8-epoch run, and
 * its per-epoch temperature fit cost ~0.4 s: dropped. Rate 0.005 vs 0.01 (no refit, seed 1):
 * 0.8761 vs 0.8741, log-loss 0.491 vs 0.494. The forward pass (rows × labels × dimensions) is
 * ~70 % of the time; 2-row × 4-label register blocking is what plain JS allows (3×4, 4×2 and
 * unrolled variants measured the same).
 *
 * imdb (5-fold CV, seed 1) by the L2 penalty: 0.1 → 0.8437, 0.3 → 0.8521, 1 → 0.8521, 3 → 0.8408;
 * "auto" over [1e-3, 1e-2, 0.1, 1] picks 1 in most folds → 0.8549 (seeds 2 / 3: 0.8465 / 0.8507);
 * a grid up to 10 → 0.8465 (seed 1), [1e-3 … 3] → 0.8451 (seed 2). refit warm / full / none:
 * 0.8549 / 0.8521 / 0.8563 (noise). Rate 0.01, batch 64, minUpdates 800: 0.8535–0.8549 (noise).
 */
export const embeddingLinearOptionsSchema = z.object({
  learningRate: z.number().positive().default(0.005),
  batchSize: z.number().int().min(1).max(65536).default(128),
  l2: z.union([z.number().min(0), z.literal("auto")]).default("auto"),
  l2Grid: z.array(z.number().min(0)).min(1).default([1e-3, 1e-2, 0.1, 1]),
  autoL2BelowRows: z.number().int().min(0).default(3000),
  gradientFloor: z.number().min(0).max(0.1).default(1e-3),
  maxEpochs: z.number().int().min(1).max(1000).default(6),
  minUpdates: z.number().int().min(0).default(400),
  heldOutFraction: z.number().min(0).max(0.5).default(0.1),
  refit: z.enum(["warm", "full", "none"]).default("warm"),
  warmRefitShare: z.number().positive().max(1).default(0.4),
  warmRefitRate: z.number().positive().max(1).default(0.3),
  seed: z.number().int().default(1),
  classWeights: z.array(z.number().min(0)).optional(),
});

export type EmbeddingLinearOptions = z.output<typeof embeddingLinearOptionsSchema>;
export type EmbeddingLinearOptionsInput = z.input<typeof embeddingLinearOptionsSchema>;
