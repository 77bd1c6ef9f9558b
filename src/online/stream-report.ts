import { formatPercent, formatTable } from "../evaluate/format-table.js";
import type { StreamBenchmarkResult } from "./stream-benchmark.js";

/** The one JSON object `stream --json` prints. */
export interface StreamJson {
  dataset: string;
  llmColumn: string;
  rows: number;
  gold: "none" | number;
  results: {
    lm: { accuracy: number };
    stream: {
      accuracy: number;
      lmShare: number;
      agreement: number;
      lastQuarter: { accuracy: number; lmShare: number; lmAccuracy: number };
    };
  };
  refreshes: number;
  seconds: number;
  peakRssMb: number;
}

/** Rounds to 4 decimals (shares and accuracies), or 1 (seconds, megabytes). */
const round = (value: number, digits = 4) => Number(value.toFixed(digits));

/** The stream's result as the JSON object of `stream --json`. */
export function streamJson(result: StreamBenchmarkResult): StreamJson {
  const last = result.quarters[3] ?? result.stream;
  return {
    dataset: result.dataset,
    llmColumn: result.llmColumn,
    rows: result.rows,
    gold: result.gold,
    results: {
      lm: { accuracy: round(result.lm.accuracy) },
      stream: {
        accuracy: round(result.stream.accuracy),
        lmShare: round(result.stream.lmShare),
        agreement: round(result.stream.agreement),
        lastQuarter: {
          accuracy: round(last.accuracy),
          lmShare: round(last.lmShare),
          lmAccuracy: round(last.lmAccuracy),
        },
      },
    },
    refreshes: result.refreshes,
    seconds: round(result.seconds, 1),
    peakRssMb: round(result.peakRssMb, 1),
  };
}

/** The stream's table: one line per quarter, then the whole stream (accuracy, LLM share, agreement, the LLM alone). */
export function streamTable(result: StreamBenchmarkResult): string {
  const line = (name: string, figures: StreamBenchmarkResult["stream"]) => [
    name,
    String(figures.rows),
    formatPercent(figures.accuracy),
    formatPercent(figures.lmShare, 1),
    formatPercent(figures.agreement),
    formatPercent(figures.lmAccuracy),
  ];
  return formatTable(
    [
      { header: "stretch" },
      { header: "inputs", align: "right" },
      { header: "accuracy", align: "right" },
      { header: "LLM share", align: "right" },
      { header: "agreement", align: "right" },
      { header: "LLM alone", align: "right" },
    ],
    [
      ...result.quarters.map((figures, index) => line(`quarter ${index + 1}`, figures)),
      line("all", result.stream),
    ],
  );
}
