import { describe, expect, it } from "vitest";
import { type AdaptSummary, formatAdaptSummary, summaryWarnings } from "../../src/cli/adapt-summary.js";

const summary: AdaptSummary = {
  adapter: "/tmp/adapter",
  lm: "openai-compatible:gpt-4o-mini",
  rows: { train: 80, calib: 40, distilled: 0 },
  probe: {
    asked: 40,
    answered: 38,
    unparseable: 1,
    failed: 1,
    notAsked: 0,
    cacheHits: 12,
    lastFailure: "HTTP 500",
  },
  estimated: { lmAlone: 0.8, ssmAlone: 0.7125, adapted: 0.85, lmShare: 0.25, oracle: 0.9 },
  smallModel: "ngram-linear",
  router: "logistic",
  gate: { ssmWeight: 0, lmWeight: 1 },
  complementStrength: 1,
  seconds: { probe: 1.25, adapt: 2.5, encode: 0.75, ssmTrain: 1 },
  spend: "28 calls, 3100 tok, 12 cached",
  metric: "accuracy",
  criterion: { kind: "default" },
  reference: "gold",
  warnings: [],
};

describe("formatAdaptSummary", () => {
  it("prints the probe, the estimates in percent and the times, with the last failure on its own line", () => {
    expect(formatAdaptSummary(summary, 40, false)).toBe(
      [
        "adapter written to /tmp/adapter",
        "probe: 40 rows asked, 38 answered, 1 unparseable, 1 failed (12 from cache)",
        "  the failed calls count as unusable answers (the adapter answers them with the SSM); the last: HTTP 500",
        "estimated on 40 calibration rows, out of fold:",
        "  LM alone 80.00%, SSM alone 71.25%, oracle 90.00%",
        "  adapted 85.00% with 25.00% of inputs sent to the LM (logistic router, the LM's answer kept as is)",
        "  operating point chosen by the default rule: the cheapest point near the best estimated accuracy, not below the LLM alone (one-sided 99%)",
        "time: probe 1.25s, adaptation 2.5s (SSM training 1s); LM spend: 28 calls, 3100 tok, 12 cached",
        "",
      ].join("\n"),
    );
  });

  it("without gold labels, gives agreement with the LLM and does not score the LLM against itself", () => {
    const criterion = { kind: "max-disagreement", maxDisagreement: 0.02 } as const;
    const macroF1 = { lmAlone: 1, adapted: 0.9974 };
    const text = formatAdaptSummary(
      {
        ...summary,
        reference: "lm",
        criterion,
        estimated: { lmAlone: 1, ssmAlone: 0.885, adapted: 0.9975, lmShare: 0.32, oracle: 1, macroF1 },
        warnings: summaryWarnings(macroF1, "accuracy", { reference: "lm", criterion, lmShare: 0.32 }),
      },
      240,
      false,
    );
    expect(text).toContain(
      [
        "estimated on 240 rows, out of fold, as agreement with the LLM's answers (no gold labels: the LLM is the reference, so it is not scored itself):",
        "  SSM alone agrees 88.50%",
        "  adapted agrees 99.75% with 32.00% of inputs sent to the LM (logistic router, the LM's answer kept as is)",
        "  macro-F1 of agreement: adapted 99.74%",
        "  operating point chosen by agreement with the LLM: at most 2.0% of the inputs the small model answers differ from the LLM's answer (one-sided 99%; --max-disagreement)",
        "time:",
      ].join("\n"),
    );
    expect(text).not.toContain("LM alone");
    expect(text).not.toContain("oracle");
    expect(text).not.toContain("chosen by accuracy");
    expect(text).not.toContain("--metric");
  });

  it("with some gold labels, says which figures mix gold and agreement and gives the LLM against gold alone", () => {
    const mixed = formatAdaptSummary(
      {
        ...summary,
        reference: "mixed",
        criterion: { kind: "max-lm-share", maxLmShare: 0.3 },
        estimated: {
          ...summary.estimated,
          macroF1: { lmAlone: 0.9, adapted: 0.91 },
          lmOnGold: { accuracy: 0.88, rows: 100 },
        },
      },
      240,
      false,
    );
    expect(mixed).toContain(
      [
        "estimated on 240 rows, out of fold, against gold labels where a row has one and agreement with the LLM's answers elsewhere (each figure mixes both):",
        "  LM alone 80.00%, SSM alone 71.25%, oracle 90.00%",
        "  against gold alone: the LM is right on 88.00% of the 100 rows with a gold label",
      ].join("\n"),
    );
    expect(mixed).toContain("  macro-F1: LM alone 90.00%, adapted 91.00%\n");
    expect(mixed).toContain("operating point chosen by LLM share cap of 30.0% (--max-lm-share)");
  });

  it("without gold labels, warns on macro-F1 only beyond the disagreement accepted, and says when no LLM call is saved", () => {
    const criterion = { kind: "max-disagreement", maxDisagreement: 0.02 } as const;
    const point = { reference: "lm", criterion, lmShare: 0.3 } as const;
    expect(summaryWarnings({ lmAlone: 1, adapted: 0.99 }, "accuracy", point)).toEqual([]);
    expect(summaryWarnings({ lmAlone: 1, adapted: 0.95 }, "accuracy", point)).toEqual([
      "the adapter is estimated 5.00 points below the LLM alone on macro-F1 (agreement with the LLM): its rarer labels differ from the LLM by more than the 2.00% accepted overall; if they matter, adapt with a smaller --max-disagreement",
    ]);
    expect(summaryWarnings({ lmAlone: 1, adapted: 1 }, "accuracy", { ...point, lmShare: 1 })).toEqual([
      "this adapter saves no LLM call yet: it sends every input to the LLM, because the small model cannot yet be shown to agree with the LLM closely enough (at most 2.00% of the inputs it would answer differing, one-sided 99%) on any share of the inputs; adapt on more rows (or refresh it from served traffic), or accept a larger --max-disagreement",
    ]);
    // With gold labels, an LM-only point is the default rule's honest answer: no such warning.
    expect(
      summaryWarnings(undefined, "accuracy", {
        reference: "gold",
        criterion: { kind: "default" },
        lmShare: 1,
      }),
    ).toEqual([]);
  });

  it("names a gated answer, a probe stopped by the budget and the encoding time", () => {
    const text = formatAdaptSummary(
      {
        ...summary,
        probe: { ...summary.probe, failed: 0, stoppedBy: "budget", lastFailure: undefined },
        gate: { ssmWeight: 0.4, lmWeight: 1 },
      },
      40,
      true,
    );
    expect(text).toContain("(12 from cache); stopped by the budget\n");
    const sources = formatAdaptSummary(
      { ...summary, probe: { ...summary.probe, shared: 7, known: 20, lastFailure: undefined } },
      40,
      false,
    );
    expect(sources).toContain(
      "(12 from cache, 7 repeated texts answered by one call, 20 answers already known, not asked)\n",
    );
    expect(text).toContain("(logistic router, LM answer gated with the SSM)");
    expect(text).toContain("adaptation 2.5s (encoding 0.75s, SSM training 1s)");
  });

  it("shows the macro-F1 estimates and warns when the adapter is below the LM alone on them", () => {
    const macroF1 = { lmAlone: 0.74, adapted: 0.71 };
    const warnings = summaryWarnings(macroF1, "accuracy");
    expect(warnings).toEqual([
      "the adapter is estimated 3.00 points below the LM alone on macro-F1 (its rarer labels are answered worse); if they matter, adapt with --metric macro-f1",
    ]);
    const text = formatAdaptSummary(
      { ...summary, estimated: { ...summary.estimated, macroF1 }, warnings },
      40,
      false,
    );
    expect(text).toContain(
      "  macro-F1: LM alone 74.00%, adapted 71.00% (operating point chosen by accuracy)\n",
    );
    expect(text).toContain(`warning: ${warnings[0]}\n`);
    expect(summaryWarnings(macroF1, "macro-f1")[0]).toContain("3.00 points below the LM alone on macro-F1");
    expect(summaryWarnings({ lmAlone: 0.74, adapted: 0.75 }, "accuracy")).toEqual([]);
    expect(summaryWarnings(undefined, "accuracy")).toEqual([]);
  });
});
