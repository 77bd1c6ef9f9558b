import type { TopLevelSpec } from "vega-lite";
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

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Curve accuracies under the chosen point's label: 40% of the share axis to its right (or left). */
function labelSpan(curve: readonly OperatingPoint[], lmShare: number, toTheLeft: boolean): number[] {
  return curve
    .filter((point) =>
      toTheLeft
        ? point.lmShare < lmShare && point.lmShare >= lmShare - 0.4
        : point.lmShare > lmShare && point.lmShare <= lmShare + 0.4,
    )
    .map((point) => point.accuracy);
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
    const right = input.chosen.lmShare > 0.6;
    const labelSide = labelSpan(input.curve, input.chosen.lmShare, right);
    // Put the label on the side of the dot away from the curve it would run along.
    const labelBelow =
      labelSide.length === 0
        ? input.chosen.accuracy > (low + high) / 2
        : mean(labelSide) >= input.chosen.accuracy;
    layers.push(
      {
        data: { values: chosen },
        mark: { type: "point", filled: true, size: 110, color: "#000000", shape: "diamond" },
        encoding: {
          x: { field: "lmShare", type: "quantitative" },
          y: { field: "accuracy", type: "quantitative" },
        },
      },
      // A white halo first, then the label, so it stays legible where it crosses the curve.
      ...[{ stroke: "#ffffff", strokeWidth: 4 }, {}].map((halo) => ({
        data: { values: chosen },
        mark: {
          type: "text" as const,
          // Right of the dot, or left of it near the right edge, so the label stays inside the plot.
          align: right ? ("right" as const) : ("left" as const),
          dx: right ? -8 : 8,
          baseline: labelBelow ? ("top" as const) : ("bottom" as const),
          dy: labelBelow ? 6 : -6,
          fontSize: 11,
          fontWeight: "bold" as const,
          ...halo,
        },
        encoding: {
          x: { field: "lmShare", type: "quantitative" as const },
          y: { field: "accuracy", type: "quantitative" as const },
          text: { field: "label" },
        },
      })),
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

/**
 * Renders the operating curve to a standalone SVG document, in Node (no browser, no canvas).
 * Vega is imported on first use: it takes most of a second to load, which commands that never
 * draw a chart should not pay.
 */
export async function renderOperatingCurveSvg(input: OperatingCurveChartInput): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // Warnings would go to the console; a spec error still throws.
  const quiet = vega.logger(vega.Error);
  const vegaSpec = vegaLite.compile(operatingCurveSpec(input), { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: "none", logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
