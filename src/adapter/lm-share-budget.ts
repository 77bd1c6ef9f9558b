/**
 * `--max-lm-share S` as a budget that holds on the inputs actually answered, not only on the
 * calibration rows it was estimated on.
 *
 * The operating point's threshold sends about S of the calibration rows to the LM, but the share
 * it sends on new inputs varies with them: on train/dev (`npm run study:held-out-share -- --max-lm-share
 * 0.85`, imdb/gpt35) the held-out share ranged over 74.6–90.8% around an estimate of 84.9%, above
 * the cap in about half the held-out fifths. So a capped adapter holds the cap where it sees the
 * inputs: a batch (eval, bench, `predictBatch`, `predict` with several texts) sends at most ⌊S × n⌋
 * of its n inputs to the LM, those with the highest router scores among the ones that reach the
 * threshold; a stream (serve, both endpoints, inputs in arrival order) keeps a running budget and
 * sends an input to the LM only while it allows (`createRunningShareBudget`).
 *
 * What holding it costs, measured by the same study (train/dev only, 2 × 5 held-out fifths of 142
 * reviews, each answered as one batch): the adapter sent 82.0% of the reviews to the LM (74.6–84.5%)
 * and was 0.28 points above the LM alone on average, below it in none of the 10 fifths; the threshold
 * alone gained 0.21 points. The inputs a binding cap keeps from the LM are the ones it wants least,
 * where the small model is most sure.
 */

/**
 * Which inputs of a batch go to the LM: those whose router score reaches `threshold`, but at most
 * ⌊maxLmShare × n⌋ of them (the highest scores; equal scores in input order). Without a cap
 * (`maxLmShare` undefined), every input that reaches the threshold.
 */
export function routeWithinShare(
  scores: Float64Array,
  threshold: number,
  maxLmShare: number | undefined,
): Uint8Array {
  const count = scores.length;
  const routed = new Uint8Array(count);
  let reaching = 0;
  for (let index = 0; index < count; index += 1) {
    if ((scores[index] ?? Number.NEGATIVE_INFINITY) >= threshold) {
      routed[index] = 1;
      reaching += 1;
    }
  }
  if (maxLmShare === undefined) return routed;
  const allowed = Math.floor(maxLmShare * count + 1e-9);
  if (reaching <= allowed) return routed;
  const candidates = Int32Array.from({ length: reaching });
  let next = 0;
  for (let index = 0; index < count; index += 1) if (routed[index] === 1) candidates[next++] = index;
  const order = Array.from(candidates).sort(
    (left, right) => (scores[right] ?? 0) - (scores[left] ?? 0) || left - right,
  );
  for (let position = allowed; position < order.length; position += 1) routed[order[position] ?? 0] = 0;
  return routed;
}

/** The cap an adapter's operating point sets on its LM share, when it was chosen with `--max-lm-share`. */
export function shareCapOf(criterion: { kind: string; maxLmShare?: number }): number | undefined {
  return criterion.kind === "max-lm-share" ? criterion.maxLmShare : undefined;
}

/** A running LM-share budget over a stream of inputs (serve): see `createRunningShareBudget`. */
export interface RunningShareBudget {
  /**
   * Counts one more input and says whether it may go to the LM, given that the router wants it
   * there: yes while the share it has earned allows one more call.
   */
  admit(routerWantsLm: boolean): boolean;
  readonly inputs: number;
  readonly lmCalls: number;
}

/** How many inputs' worth of unused share a running budget keeps: the longest burst it allows is S × this. */
export const savedShareInputs = 100;

/**
 * A running budget (a token bucket): every input earns `maxLmShare` of an LM call, an LM call spends
 * one, and the first input may spend one at once. So after n inputs the calls are at most
 * ⌈S × n⌉ (the share at most S + 1/n), and unused share is kept for at most `savedShareInputs`
 * inputs' worth: after a long stretch the router kept local, a burst of LM-bound inputs gets at most
 * S × 100 calls in a row before the budget falls back to S of the inputs. Without a cap, it admits
 * whatever the router sends.
 */
export function createRunningShareBudget(maxLmShare: number | undefined): RunningShareBudget {
  let inputs = 0;
  let lmCalls = 0;
  const share = maxLmShare ?? 1;
  const most = Math.max(1, share * savedShareInputs);
  let saved = 1 - share;
  return {
    admit(routerWantsLm: boolean): boolean {
      inputs += 1;
      saved = Math.min(saved + share, most);
      if (!routerWantsLm) return false;
      if (maxLmShare !== undefined && saved < 1 - 1e-9) return false;
      saved -= 1;
      lmCalls += 1;
      return true;
    },
    get inputs() {
      return inputs;
    },
    get lmCalls() {
      return lmCalls;
    },
  };
}
