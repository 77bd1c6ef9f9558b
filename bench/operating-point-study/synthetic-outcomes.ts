import type { DataRow } from "../../src/spec/dataset.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";
import { mean, type Outcomes } from "./outcomes.js";

/** The rows with the LLM's answer replaced by a random label at `rate` (a weaker LLM). */
export function addAnswerNoise(
  rows: readonly DataRow[],
  column: string,
  labels: readonly string[],
  rate: number,
  noiseSeed: number,
): DataRow[] {
  const random = createSeededRandom(noiseSeed * 31 + 17);
  return rows.map((row) => {
    if (row.columns[column] === undefined || random() >= rate) return row;
    const label = labels[Math.floor(random() * labels.length)] ?? "";
    return { ...row, columns: { ...row.columns, [column]: label } };
  });
}

/** The outcomes with random router scores (a router that knows nothing). */
export function randomRouter(outcomes: Outcomes, routerSeed: number): Outcomes {
  const random = createSeededRandom(routerSeed * 101 + 3);
  return { ...outcomes, scores: Float64Array.from(outcomes.scores, () => random()) };
}

/** An SSM `deficit` below the LM, wrong independently of it; the routed answer is the LM's. */
export function nullSsm(outcomes: Outcomes, deficit: number, ssmSeed: number): Outcomes {
  const random = createSeededRandom(ssmSeed * 131 + 5);
  const accuracy = mean(outcomes.lmRight) - deficit;
  return {
    scores: Float64Array.from(outcomes.scores, () => random()),
    ssmRight: Uint8Array.from(outcomes.ssmRight, () => (random() < accuracy ? 1 : 0)),
    gatedRight: Uint8Array.from(outcomes.lmRight),
    lmRight: outcomes.lmRight,
  };
}
