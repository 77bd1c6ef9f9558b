import { describe, expect, it } from "vitest";
import { type AdaptSummary, formatAdaptSummary } from "../../src/cli/adapt-summary.js";

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
        "time: probe 1.25s, adaptation 2.5s (SSM training 1s); LM spend: 28 calls, 3100 tok, 12 cached",
        "",
      ].join("\n"),
    );
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
    expect(text).toContain("(logistic router, LM answer gated with the SSM)");
    expect(text).toContain("adaptation 2.5s (encoding 0.75s, SSM training 1s)");
  });
});
