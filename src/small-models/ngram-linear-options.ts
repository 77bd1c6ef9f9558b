import { z } from "zod";

/**
 * Options of the `ngram-linear` small model. Defaults (chosen on train/dev data only — banking77
 * and imdb — never on test; the same defaults serve every dataset — see the note below):
 *
 * | option | default | meaning |
 * |---|---|---|
 * | buckets | 2^20 | hashed feature buckets (power of two) |
 * | wordNgramMax | 2 | word 1..N-grams |
 * | charNgramMin / charNgramMax | 2 / 5 | char n-grams inside `<word>` boundaries |
 * | wordWeight | 4 | weight of a word n-gram occurrence vs a char n-gram occurrence |
 * | sublinearTf | true | 1 + ln(count) instead of count |
 * | idf | true | multiply by ln((1 + N) / (1 + df)) + 1; each vector is then L2-normalised |
 * | stripMarkup | true | HTML tags and entities (`<br />`, `&amp;`) become spaces before features |
 * | classRatioWeighting | true | scale each feature by its naive-Bayes log-count ratio (max over classes, one vs rest; NBSVM) |
 * | classRatioPower / classRatioSmoothing | 1 / 1 | that scale to this power; add-α count smoothing |
 * | optimizer | "adagrad" | "adagrad" or "sgd" (inverse-scaling step) |
 * | learningRate | 0.1 | initial step (AdaGrad) |
 * | l2 | 1e-6 | L2 penalty, applied lazily to the weights an example touches |
 * | gradientFloor | 0.01 | class gradients (p − y) smaller than this are skipped: faster, and no push on rows already fitted |
 * | maxEpochs | 8 | upper bound of passes over the data |
 * | patience | 3 | epochs without held-out improvement before stopping |
 * | stopOn | "auto" | "calibrated-loss" (held-out log-loss at its best temperature) when ≥ 200 rows are held out, else "none" (train maxEpochs); or force "accuracy", "calibrated-loss", "none" |
 * | heldOutFraction | 0.1 | share held out for early stopping and temperature scaling (none when < 10 rows) |
 * | refit | true | retrain on all rows for the chosen epoch count ("auto" = only when < 200 rows are held out) |
 * | ensembleMembers | 3 | below `ensembleBelowRows` rows: train this many models (own held-out rows, class ratios, shuffles) over one feature extraction and keep their average (one model's size and prediction cost) |
 * | ensembleBelowRows | 3000 | training sets with at least this many rows train one model (banking77's 9,002 and its CV folds' 8,002: unchanged) |
 * | seed | 1 | PRNG seed: same seed, same data → same model, bit for bit |
 * | classWeights | all 1 | per-label weight on the loss (label id order) |
 */
/*
 * Issue 2 study (small training sets; nothing below ever read test.csv):
 * imdb is judged on two honest protocols, each with seeds 1..10: "dev" = train on train.csv (510
 * rows, the bench's training set), score dev.csv (200 rows); "CV" = 5-fold CV over train+dev (710
 * rows, folds shuffled by the seed). banking77 on dev (1,001 rows, seed 1) and 5-fold CV over
 * train+dev (seed 1). Few-shot sets: k rows per label drawn from train.csv, scored on dev, 3 seeds.
 *
 * Why imdb CV (0.87) looked optimistic next to test (0.803): it is not leakage. No two of the 710
 * train+dev reviews share > 40 % of their words; train → dev gives 0.859 (10 seeds), 5-fold CV on
 * train alone 0.849. The issue's references scored the same way give TF-IDF + logistic regression
 * (scikit-learn defaults, re-implemented) dev 0.740 / CV 0.810 and multinomial NB on word 1–2-grams
 * (α 1) dev 0.810 / CV 0.830, vs test 0.803 / 0.824: for them CV ≈ test. Ours beats MNB by +0.060
 * on dev (15 vs 3 rows only one of them gets right) and +0.030 on CV (51 vs 30; sd of that gap on
 * 290 rows ≈ 0.02), yet trails it by 0.021 on test: test ranks the systems unlike both honest
 * protocols, which therefore cannot promise a test figure. On long reviews (> 246 words) our edge
 * over MNB shrinks to +0.008 (short +0.034, middle +0.047), with char n-grams or without.
 *
 * | variant (imdb: 5 or 10 seeds) | imdb dev | imdb CV | banking dev / CV |
 * |---|---|---|---|
 * | defaults before (10 seeds) | 0.8590 | 0.8687 | 0.9161 / 0.9071 |
 * | MNB blend folded into the weights, W + γ·r/scale, γ 0.1 / 0.3 / 1 / 3 (3 seeds) | 0.853 / 0.857 / 0.842 / 0.827 | 0.872 / 0.860 / 0.847 / 0.839 | – |
 * | LR margin + λ·(unnormalised MNB log-odds, not foldable), λ 0.01 / 0.05 / 0.2 (dev seed 1; CV 3 seeds) | 0.855 / 0.850 / 0.840 | 0.872 / 0.868 / 0.856 | – |
 * | wordWeight 8 / 16 (5 seeds; base 0.8610 / 0.8715) | 0.8550 / 0.8530 | 0.8766 / 0.8763 | – |
 * | wordWeight 8 + classRatioSmoothing 2 (10 seeds) | 0.8620 | 0.8730 | 0.9151 / 0.9072 |
 * | classRatioSmoothing 2 / 3 (10 / 5 seeds) | 0.8605 / 0.8600 | 0.8708 / 0.8746 | – |
 * | words only (charNgramMin 0, 3 seeds; base 0.8600 / 0.8714) | 0.8367 | 0.8667 | – |
 * | l2 1e-5 / 1e-4; maxEpochs 4 / 16 (5 seeds) | 0.861 / 0.858; 0.857 / 0.861 | 0.8715 / 0.8724; 0.8766 / 0.8766 | – |
 * | drop features seen in < 2 / 3 training rows (read as unseen; 10 seeds) | 0.8570 / 0.8530 | 0.8710 / 0.8717 | 0.9181 / 0.9071 (2) |
 * | class ratios recomputed on all rows before the refit (10 seeds) | 0.8565 | 0.8699 | – |
 * | **average of 3 members (ensembleMembers 3), 10 seeds** | **0.8630** | **0.8737** | unchanged (≥ 3000 rows) |
 * | average of 5 members, with refit / without refit (10 seeds) | 0.8635 / 0.8610 | 0.8749 / 0.8735 | – |
 *
 * Log-loss, defaults before → 3 members: imdb dev 0.364 → 0.349, CV 0.320 → 0.314; the members
 * also narrow the seed spread on dev (0.835–0.880 → 0.850–0.875). imdb training CPU 0.6 → 1.0 s
 * (the members share one feature extraction). Few-shot dev accuracy, one model → 3 members
 * (rows per label drawn from train.csv; 3 seeds unless said): banking77 3 / 10 / 20 / 30 per label
 * (231 / 770 / 1,540 / 2,310 rows; 20 and 30 with 2 seeds) 0.5325 → 0.5368, 0.7353 → 0.7369,
 * 0.8217 → 0.8277, 0.8492 → 0.8551; imdb 100 per label 0.8033 → 0.8300; imdb 25 per label
 * 0.7150 → 0.7050 (50 rows: fewer than 10 held out per member, so the members differ only by
 * their shuffles — noise). The gain holds up to ~2,300 rows, hence the 3,000-row threshold, which
 * also keeps banking77's training time where it was. A minimum document frequency of 2 cost 1.3
 * points on banking77 at 3 rows per label (0.5325 → 0.5191) for no gain elsewhere: dropped.
 * Every other variant in the table moved imdb by less than the noise (±0.5 point) or hurt it:
 * none of them was adopted.
 *
 * How the defaults were chosen (train → dev only; imdb by 5-fold CV over train+dev repeated with
 * seeds 1, 2, 3 — 15 trainings on 568 rows each — because its 200-row dev is too noisy; banking77
 * on its 1,001 dev rows and, for the last choices, 5-fold CV over train+dev, seed 1):
 *
 * | change (cumulative) | imdb CV acc / log-loss | banking dev | banking CV |
 * |---|---|---|---|
 * | previous defaults | 0.8460 / 0.367 | 0.9131 | 0.8994 |
 * | + stripMarkup | 0.8474 / 0.367 | – | – |
 * | + stopOn "auto", refit "auto" | 0.8549 / 0.346 | 0.9131 | 0.8994 |
 * | + classRatioWeighting | 0.8746 / 0.328 | 0.9151 | 0.9018 (seed 2: 0.9025) |
 * | + gradientFloor 0.01 (was 1e-3) | 0.8751 / 0.327 | 0.9111 | 0.9044 (seed 2: 0.9029) |
 *
 * gradientFloor 0.01 is accuracy-neutral overall (CV +0.26 / +0.04 points, dev −0.4 on 1,001
 * rows) and cuts banking training CPU by ~25% (3.2 vs 4.2 s), which the pipeline's 6 trainings feel.
 *
 * refit: true (lead's decision, 01:00): the held-out rows are data too; the issue's time target is
 * 0.5× fastText (~11 s measured in the same run), not 5 s, so the CV gain below is worth its time:
 * refit: true with
 * gradientFloor 0.01 → banking CV 0.9070 (seed 2: 0.9067), dev 0.9161, but 6.1 vs 4.2 CPU s on
 * banking train (loaded machine); with maxEpochs 6: CV 0.9063, dev 0.9131, 5.7 CPU s, imdb 0.8728.
 *
 * - stopOn/refit "auto": on imdb the calibrated held-out loss of ~57 rows picked any epoch from 1
 *   to 8 across folds; without early stopping the accuracy is flat over 2..12 epochs (0.849..0.854
 *   with no held-out at all). Refit after a noisy early stop was worse (0.8437); a fixed epoch
 *   count + refit wins. Banking's 900 held-out rows run all 8 epochs anyway, and a refit there
 *   changed dev by +0.001 for 2× the time → the rule only applies below 200 held-out rows.
 * - classRatioWeighting (computed on the training share only — counting the held-out rows made the
 *   temperature over-confident, log-loss 0.771): power 0.5 / 1 / 2 → imdb CV 0.8685 / 0.8746 /
 *   0.8681; smoothing 1 / 3 / 10 → imdb 0.8746 / 0.8784 / 0.8714, banking CV 0.9018 / 0.9010 / 0.8985.
 * - Tried and dropped: iterate averaging over epochs (banking dev 0.906 vs 0.913, imdb equal);
 *   SGD on the exactly-regularised objective (λ = 1/(C·N), scale trick, η₀/(1+λη₀t)) with C 1..16:
 *   imdb CV 0.74..0.84, unstable across seeds; 1 / 2 extra epochs over all rows (warm, after the
 *   temperature) → banking CV 0.9028 / 0.9037 (≈ maxEpochs 12: 0.9028); a full refit on banking
 *   → CV 0.9051 but 1.65× the training time (over the 5 s budget) → refit only below 200 held-out;
 *   at most 400 held-out rows: banking CV seed 1 0.9045 vs 0.9018, seed 2 0.9010 vs 0.9025, dev
 *   0.9091 vs 0.9151 → no; idf off with class ratios: imdb CV 0.8784 vs 0.8746, banking CV 0.8977
 *   vs 0.9018 → idf stays on; learningRate 0.05 / 0.15 (imdb 0.8756, banking CV
 *   0.9021: noise); wordWeight 2 with class ratios (imdb 0.8690); maxEpochs 12 (banking CV 0.9028,
 *   1.5× the time).
 * Earlier choices (previous helper, before the changes above):
 * - learningRate: 0.5 → banking dev 0.892, imdb CV 0.799; 0.2 → 0.908 / 0.835; 0.1 (with
 *   wordWeight 4) → 0.908 / 0.856. AdaGrad's first step is ±learningRate per feature, so a large
 *   rate overshoots on the many rare features of long texts.
 * - wordWeight: 1 / 2 / 4 at rate 0.2 → banking 0.908 / 0.909 / 0.910, imdb CV 0.835 / 0.842 / 0.849:
 *   char n-grams outnumber words ~10:1 in long reviews and drown them after L2 normalisation.
 * - charNgramMin 3 instead of 2: banking 0.902 vs 0.908, imdb 0.833 vs 0.835 (at l2 1e-3) → keep 2.
 *   charNgramMax 6: banking 0.905 → keep 5. wordNgramMax 3: banking 0.915, imdb CV 0.848 vs 0.856,
 *   ~1.5× the training time → keep 2.
 * - l2: 1e-6 / 1e-5 / 1e-3 → banking 0.908 / 0.907 / –, imdb CV (rate 0.2) 0.835 / – / 0.835 → 1e-6.
 * - maxEpochs (with updates skipping class gradients under 1e-3): 15 → banking dev 0.915; 8 →
 *   0.913 at half the training time → 8.
 * - idf off (rate 0.2): banking 0.910 vs 0.908, imdb dev 0.775 vs 0.825 → on.
 */
/** The hashed-feature options every kind over these features shares, with their defaults. */
export const hashedFeatureOptionFields = {
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
  wordWeight: z.number().positive().default(4),
  sublinearTf: z.boolean().default(true),
  idf: z.boolean().default(true),
};

export const ngramLinearOptionsSchema = z.object({
  ...hashedFeatureOptionFields,
  stripMarkup: z.boolean().default(true),
  classRatioWeighting: z.boolean().default(true),
  classRatioPower: z.number().positive().max(4).default(1),
  classRatioSmoothing: z.number().positive().default(1),
  optimizer: z.enum(["adagrad", "sgd"]).default("adagrad"),
  learningRate: z.number().positive().default(0.1),
  l2: z.number().min(0).default(1e-6),
  gradientFloor: z.number().min(0).max(0.1).default(0.01),
  maxEpochs: z.number().int().min(1).max(1000).default(8),
  patience: z.number().int().min(1).default(3),
  stopOn: z.enum(["auto", "accuracy", "calibrated-loss", "none"]).default("auto"),
  heldOutFraction: z.number().min(0).max(0.5).default(0.1),
  refit: z.union([z.boolean(), z.literal("auto")]).default(true),
  ensembleMembers: z.number().int().min(1).max(20).default(3),
  ensembleBelowRows: z.number().int().min(0).default(3000),
  seed: z.number().int().default(1),
  classWeights: z.array(z.number().min(0)).optional(),
});

export type NgramLinearOptions = z.output<typeof ngramLinearOptionsSchema>;
/** Options of `trainNgramLinear`, each optional with the default given in its schema. */
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
  /** Absent in files written before it existed: those models read markup as text. */
  stripMarkup: z.boolean().default(false),
});
export type NgramFeatureSettings = z.output<typeof ngramFeatureSettingsSchema>;

/** The feature settings a model keeps, taken from the options it was trained with. */
export function featureSettingsOf(options: NgramFeatureSettings): NgramFeatureSettings {
  return {
    buckets: options.buckets,
    wordNgramMax: options.wordNgramMax,
    charNgramMin: options.charNgramMin,
    charNgramMax: options.charNgramMax,
    wordWeight: options.wordWeight,
    sublinearTf: options.sublinearTf,
    idf: options.idf,
    stripMarkup: options.stripMarkup,
  };
}
