import {
  applyProbabilityTemperature,
  fitProbabilityTemperature,
} from "../../learners/probability-temperature.js";

/**
 * Fits the temperature on the out-of-fold probabilities of every labelled row and returns it with
 * a tempered copy of them (`outOfFold` itself is left as it is).
 */
export function calibrateTemperature(
  outOfFold: Float32Array,
  labelCount: number,
  gold: Int32Array,
): { temperature: number; probabilities: Float32Array } {
  const labelledCount = gold.length;
  const probabilities = Float32Array.from(outOfFold);
  const temperature = fitProbabilityTemperature(
    probabilities,
    labelCount,
    gold,
    Array.from({ length: labelledCount }, (_, index) => index),
  );
  for (let index = 0; index < labelledCount; index += 1) {
    applyProbabilityTemperature(probabilities, index * labelCount, labelCount, temperature);
  }
  return { temperature, probabilities };
}
