import { describe, expect, it } from "vitest";
import { fitRouter, routerScore } from "../../src/adapter/router.js";
import { routerFeatureCount } from "../../src/adapter/router-features.js";

/** Rows of one kind: the SSM's max probability (feature 0) and whether the SSM and the gated answer are right. */
interface Group {
  count: number;
  maxProbability: number;
  ssmRight: 0 | 1;
  gatedRight: 0 | 1;
}

function buildRows(groups: Group[]) {
  const total = groups.reduce((sum, group) => sum + group.count, 0);
  const features = new Float64Array(total * routerFeatureCount);
  const ssmRight = new Uint8Array(total);
  const gatedRight = new Uint8Array(total);
  const groupOf: number[] = [];
  let row = 0;
  groups.forEach((group, groupIndex) => {
    for (let index = 0; index < group.count; index += 1, row += 1) {
      // A little spread so that the logistic models see a slope, not a step.
      features[row * routerFeatureCount] = group.maxProbability + ((index % 5) - 2) * 0.01;
      features[row * routerFeatureCount + 1] = 1 - features[row * routerFeatureCount]!;
      ssmRight[row] = group.ssmRight;
      gatedRight[row] = group.gatedRight;
      groupOf.push(groupIndex);
    }
  });
  return {
    features,
    ssmRight,
    gatedRight,
    groupOf,
    rows: Array.from({ length: total }, (_, index) => index),
  };
}

describe("the learned router", () => {
  it("ranks inputs by the gain of calling the LM: where the gated answer wins first, where it loses last", () => {
    const { features, ssmRight, gatedRight, groupOf, rows } = buildRows([
      { count: 300, maxProbability: 0.95, ssmRight: 1, gatedRight: 1 }, // no change
      { count: 40, maxProbability: 0.35, ssmRight: 0, gatedRight: 1 }, // the LM helps
      { count: 40, maxProbability: 0.65, ssmRight: 1, gatedRight: 0 }, // the LM hurts
    ]);
    const router = fitRouter("learned", features, rows, ssmRight, rows, gatedRight);
    const meanScore = [0, 0, 0];
    const counts = [0, 0, 0];
    rows.forEach((row) => {
      const group = groupOf[row]!;
      meanScore[group]! += routerScore(router, features, row * routerFeatureCount);
      counts[group]! += 1;
    });
    const [unchanged, helps, hurts] = meanScore.map((sum, group) => sum / counts[group]!);
    expect(helps).toBeGreaterThan(unchanged!);
    expect(unchanged).toBeGreaterThan(hurts!);
    expect(helps).toBeGreaterThan(0);
  });

  it("scores by SSM confidence alone for the confidence kind", () => {
    const { features, ssmRight, gatedRight, rows } = buildRows([
      { count: 5, maxProbability: 0.9, ssmRight: 1, gatedRight: 1 },
      { count: 5, maxProbability: 0.4, ssmRight: 0, gatedRight: 1 },
    ]);
    const router = fitRouter("confidence", features, rows, ssmRight, rows, gatedRight);
    expect(routerScore(router, features, 0)).toBeCloseTo(1 - features[0]!, 10);
    expect(routerScore(router, features, 5 * routerFeatureCount)).toBeGreaterThan(
      routerScore(router, features, 0),
    );
  });
});
