import { Error as ErrorLevel, logger, parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { OperatingPoint } from "./operating-curve.js";

export interface OperatingCurveChartInput {
  /** The adapted system's curve (thin it first: a few hundred points at most). */
  curve: readonly OperatingPoint[];
  lmAccuracy: number;
  ssmAccuracy: number;
  /** Drawn as a dashed grey rule when given. */
  oracleAccuracy?: number;
  /** The operating point the adapter uses, marked with a labelled dot. */
  chosen?: Pick<OperatingPoint, "lmShare" | "accuracy">;
  title?: string;
  width?: number;
  height?: number;
}

const seriesColors = {
  "adapted (router)": "#1f6fb4",
  "LM alone": "#d9480f",
  "SSM alone": "#2b8a3e",
  oracle: "#868e96",
} as const;

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The Vega-Lite spec of the operating curve: accuracy (y) against LM-call share (x). */
export function operatingCurveSpec(input: OperatingCurveChartInput): TopLevelSpec {
  const curveValues = input.curve.map((point) => ({
    lmShare: point.lmShare,
    accuracy: point.accuracy,
    series: "adapted (router)",
  }));
  const rules = [
    { series: "LM alone", accuracy: input.lmAccuracy, label: `LM alone ${percent(input.lmAccuracy)}` },
    { series: "SSM alone", accuracy: input.ssmAccuracy, label: `SSM alone ${percent(input.ssmAccuracy)}` },
    ...(input.oracleAccuracy === undefined
      ? []
      : [
          {
            series: "oracle",
            accuracy: input.oracleAccuracy,
            label: `oracle ${percent(input.oracleAccuracy)}`,
          },
        ]),
  ];
  const accuracies = [...curveValues.map((value) => value.accuracy), ...rules.map((rule) => rule.accuracy)];
  const low = Math.max(0, Math.min(...accuracies) - 0.02);
  const high = Math.min(1, Math.max(...accuracies) + 0.02);
  const color = {
    field: "series",
    type: "nominal",
    title: null,
    scale: { domain: Object.keys(seriesColors), range: Object.values(seriesColors) },
    legend: { orient: "bottom", direction: "horizontal", symbolType: "stroke", symbolStrokeWidth: 2.5 },
  } as const;
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>["layer"]> = [
    {
      data: { values: curveValues },
      mark: { type: "line", strokeWidth: 2, interpolate: "step-after" },
      encoding: {
        x: {
          field: "lmShare",
          type: "quantitative",
          title: "LM-call share",
          scale: { domain: [0, 1] },
          axis: { format: ".0%" },
        },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "accuracy",
          scale: { domain: [low, high], zero: false, nice: false },
          axis: { format: ".0%" },
        },
        color,
      },
    },
    {
      data: { values: rules },
      mark: { type: "rule", strokeWidth: 1.5, strokeDash: [6, 4] },
      encoding: { y: { field: "accuracy", type: "quantitative" }, color },
    },
    // The curve meets the SSM rule at share 0 and the LM rule at share 1: label each at the other end.
    ...[
      { side: 0, align: "left" as const, dx: 4 },
      { side: 1, align: "right" as const, dx: -4 },
    ].map(({ side, align, dx }) => ({
      data: { values: rules.filter((rule) => (rule.series === "SSM alone" ? 1 : 0) === side) },
      mark: { type: "text" as const, align, baseline: "bottom" as const, dx, dy: -2, fontSize: 11 },
      encoding: {
        x: { datum: side },
        y: { field: "accuracy", type: "quantitative" as const },
        text: { field: "label" },
        color,
      },
    })),
  ];
  if (input.chosen !== undefined) {
    const chosen = [
      {
        lmShare: input.chosen.lmShare,
        accuracy: input.chosen.accuracy,
        label: `chosen: ${percent(input.chosen.accuracy)} at ${percent(input.chosen.lmShare)} LM calls`,
      },
    ];
    layers.push(
      {
        data: { values: chosen },
        mark: { type: "point", filled: true, size: 110, color: "#000000", shape: "diamond" },
        encoding: {
          x: { field: "lmShare", type: "quantitative" },
          y: { field: "accuracy", type: "quantitative" },
        },
      },
      {
        data: { values: chosen },
        mark: {
          type: "text",
          // Right of the dot, or left of it near the right edge, so the label stays inside the plot.
          align: input.chosen.lmShare > 0.6 ? "right" : "left",
          baseline: "top",
          dx: input.chosen.lmShare > 0.6 ? -8 : 8,
          dy: 6,
          fontSize: 11,
          fontWeight: "bold",
        },
        encoding: {
          x: { field: "lmShare", type: "quantitative" },
          y: { field: "accuracy", type: "quantitative" },
          text: { field: "label" },
        },
      },
    );
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: input.title ?? "Accuracy against LM-call share",
    width: input.width ?? 560,
    height: input.height ?? 340,
    background: "#ffffff",
    config: { font: "sans-serif", axis: { labelFontSize: 11, titleFontSize: 12, grid: true } },
    layer: layers,
  };
}

/** Renders the operating curve to a standalone SVG document, in Node (no browser, no canvas). */
export async function renderOperatingCurveSvg(input: OperatingCurveChartInput): Promise<string> {
  // Warnings would go to the console; a spec error still throws.
  const quiet = logger(ErrorLevel);
  const vegaSpec = compile(operatingCurveSpec(input), { logger: quiet }).spec;
  const view = new View(parse(vegaSpec), { renderer: "none", logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
