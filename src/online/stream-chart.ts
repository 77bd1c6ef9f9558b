import type { TopLevelSpec } from "vega-lite";
import { renderVegaLiteSvg } from "../evaluate/vega-lite-svg.js";
import type { StreamChartPoint } from "./stream-figures.js";

const seriesColors = {
  "accuracy (served answers)": "#1f6fb4",
  "accuracy (LLM alone)": "#d9480f",
  "LLM share": "#2b8a3e",
} as const;

/**
 * The stream's chart as a Vega-Lite spec: accuracy of the served answers, the LLM alone's accuracy
 * and the LLM share, per window of consecutive inputs, against the inputs fed so far; the
 * refreshes are marked by grey rules.
 */
export function streamChartSpec(input: {
  title: string;
  points: readonly StreamChartPoint[];
  refreshedAt: readonly number[];
}): TopLevelSpec {
  const values = input.points.flatMap((point) => [
    { position: point.position, series: "accuracy (served answers)", value: point.accuracy },
    { position: point.position, series: "accuracy (LLM alone)", value: point.lmAccuracy },
    { position: point.position, series: "LLM share", value: point.lmShare },
  ]);
  const x = { field: "position", type: "quantitative", title: "inputs fed" } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: input.title,
    width: 640,
    height: 320,
    background: "#ffffff",
    config: { font: "sans-serif", axis: { labelFontSize: 11, titleFontSize: 12, grid: true } },
    layer: [
      {
        data: { values: input.refreshedAt.map((position) => ({ position })) },
        mark: { type: "rule", color: "#ced4da", strokeDash: [3, 3] },
        encoding: { x },
      },
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: "share of the window", axis: { format: "%" } },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: { domain: Object.keys(seriesColors), range: Object.values(seriesColors) },
            legend: { orient: "bottom" },
          },
        },
      },
    ],
  };
}

/** The stream's chart as a standalone SVG document. */
export function renderStreamChartSvg(input: Parameters<typeof streamChartSpec>[0]): Promise<string> {
  return renderVegaLiteSvg(streamChartSpec(input));
}
