import { z } from "zod";

/**
 * Options of the `ngram-linear` small model. Defaults (chosen on banking77/dev.csv and
 * imdb/dev.csv only, never on test; the same defaults serve every dataset — see DEFAULTS_NOTE):
 *
 * | option | default | meaning |
 * |---|---|---|
 * | buckets | 2^20 | hashed feature buckets (power of two) |
 * | wordNgramMax | 2 | word 1..N-grams |
 * | charNgramMin / charNgramMax | 2 / 5 | char n-grams inside `<word>` boundaries |
 * | wordWeight | 1 | weight of a word n-gram occurrence vs a char n-gram occurrence |
 * | sublinearTf | true | 1 + ln(count) instead of count |
 * | idf | true | multiply by ln((1 + N) / (1 + df)) + 1; each vector is then L2-normalised |
 * | optimizer | "adagrad" | "adagrad" or "sgd" (inverse-scaling step) |
 * | learningRate | 0.2 | initial step |
 * | l2 | 1e-6 | L2 penalty, applied lazily to the weights an example touches |
 * | maxEpochs | 30 | upper bound of passes over the data |
 * | patience | 3 | epochs without held-out improvement before stopping |
 * | heldOutFraction | 0.1 | share held out for early stopping and temperature scaling (none when < 10 rows) |
 * | refit | false | retrain on all rows for the chosen epoch count after early stopping |
 * | seed | 1 | PRNG seed: same seed, same data → same model, bit for bit |
 * | classWeights | all 1 | per-label weight on the loss (label id order) |
 */
export const ngramLinearOptionsSchema = z.object({
  buckets: z
    .number()
    .int()
    .min(2)
    .max(1 << 24)
    .refine((value) => Number.isInteger(Math.log2(value)), "must be a power of two")
    .default(1 << 20),
  wordNgramMax: z.number().int().min(0).max(4).default(2),
  charNgramMin: z.number().int().min(0).max(8).default(2),
  charNgramMax: z.number().int().min(0).max(8).default(5),
  wordWeight: z.number().positive().default(1),
  sublinearTf: z.boolean().default(true),
  idf: z.boolean().default(true),
  optimizer: z.enum(["adagrad", "sgd"]).default("adagrad"),
  learningRate: z.number().positive().default(0.2),
  l2: z.number().min(0).default(1e-6),
  maxEpochs: z.number().int().min(1).max(1000).default(30),
  patience: z.number().int().min(1).default(3),
  heldOutFraction: z.number().min(0).max(0.5).default(0.1),
  refit: z.boolean().default(false),
  seed: z.number().int().default(1),
  classWeights: z.array(z.number().min(0)).optional(),
});

export type NgramLinearOptions = z.output<typeof ngramLinearOptionsSchema>;
export type NgramLinearOptionsInput = z.input<typeof ngramLinearOptionsSchema>;

/** The feature options a trained model keeps (they decide how it reads text at prediction time). */
export const ngramFeatureSettingsSchema = z.object({
  buckets: z.number().int().min(2),
  wordNgramMax: z.number().int().min(0).max(4),
  charNgramMin: z.number().int().min(0).max(8),
  charNgramMax: z.number().int().min(0).max(8),
  wordWeight: z.number().positive(),
  sublinearTf: z.boolean(),
  idf: z.boolean(),
});
export type NgramFeatureSettings = z.output<typeof ngramFeatureSettingsSchema>;
