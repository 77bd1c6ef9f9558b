import { describe, expect, it } from "vitest";
import { fitAdaptation, notAsked, unusableAnswer } from "../../src/fit/fit-adaptation.js";
import type { SsmTrainer, TrainedSsm } from "../../src/small-models/ssm-trainer.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { loadTopics } from "../fixtures/adapt/load-fixture.js";

/** Wraps the real trainer: every model remembers the texts it was trained on and logs each text it scores. */
function createRecordingTrainer() {
  const violations: string[] = [];
  let scored = 0;
  const models: { seen: Set<string>; scoredTexts: string[] }[] = [];
  const trainer: SsmTrainer = async (set) => {
    const inner = await trainNgramLinear(set);
    const record = { seen: new Set(set.texts), scoredTexts: [] as string[] };
    models.push(record);
    const check = (text: string) => {
      scored += 1;
      record.scoredTexts.push(text);
      if (record.seen.has(text)) violations.push(text);
    };
    const model: TrainedSsm = {
      kind: inner.kind,
      labels: inner.labels,
      predictProba(text) {
        check(text);
        return inner.predictProba(text);
      },
      predictProbaInto(text, target) {
        check(text);
        inner.predictProbaInto(text, target);
      },
      novelty: (text) => inner.novelty(text),
      toJSON: () => inner.toJSON(),
    };
    return model;
  };
  return { trainer, violations, models, scoredCount: () => scored };
}

describe("cross-fitting", () => {
  it("never scores a row with a model that was trained on it, and scores every labelled row once", async () => {
    const { task, train, dev } = await loadTopics();
    const rows = [...train, ...dev];
    const labelIds = new Map(task.labels.map((label, index) => [label, index]));
    const goldIds = Int32Array.from(rows, (row) => labelIds.get(row.label ?? "") ?? -1);
    // Probe the dev rows only; hide the gold of ten training rows that get an LM answer (distillation).
    const answerIds = Int32Array.from(rows, (row, index) => {
      if (index < train.length && index >= 10) return notAsked;
      const answer = row.columns["llm"] ?? "";
      return answer === "" ? unusableAnswer : (labelIds.get(answer) ?? unusableAnswer);
    });
    for (let index = 0; index < 10; index += 1) goldIds[index] = -1;
    const recording = createRecordingTrainer();
    const fitted = await fitAdaptation(
      { labels: task.labels, texts: rows.map((row) => row.text), goldIds, answerIds },
      { trainer: recording.trainer, criterion: { kind: "default" }, foldCount: 5 },
    );
    expect(recording.violations).toEqual([]);
    // 5 fold models (they are the adapter's SSMs); together they score each labelled row exactly once.
    expect(recording.models).toHaveLength(5);
    expect(fitted.ssms).toHaveLength(5);
    const labelledTexts = rows.filter((_, index) => (goldIds[index] ?? -1) >= 0).map((row) => row.text);
    const scoredByFolds = recording.models.slice(0, 5).flatMap((model) => model.scoredTexts);
    expect([...scoredByFolds].sort()).toEqual([...labelledTexts].sort());
    // Rows without gold but with an LM answer are learnt from (distillation) by every model, never scored.
    const distilled = rows.slice(0, 10).filter((_, index) => (answerIds[index] ?? -1) >= 0);
    expect(distilled.length).toBeGreaterThan(5);
    for (const model of recording.models) {
      for (const row of distilled) expect(model.seen.has(row.text)).toBe(true);
    }
    expect(fitted.counts).toMatchObject({
      labelled: labelledTexts.length,
      distilled: distilled.length,
      folds: 5,
    });
    // The audit agrees: each fold's training texts exclude that fold's labelled rows.
    fitted.audit.labelledRows.forEach((row, position) => {
      const fold = fitted.audit.folds[position] ?? -1;
      expect(fitted.audit.trainedTexts[fold]).not.toContain(rows[row]?.text);
    });
  });
});
