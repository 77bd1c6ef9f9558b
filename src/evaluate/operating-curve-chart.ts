import type { TopLevelSpec } from "vega-lite";
import type { OperatingPoint } from "./operating-curve.js";
import { renderVegaLiteSvg } from "./vega-lite-svg.js";

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
  /** What the y-axis plots (default "accuracy"); the values above are in it. */
  metricLabel?: string;
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

/**
 * The share axis is symmetric-log (linear near 0, logarithmic above `shareAxisConstant`): the
 * operating points worth having usually send a few percent of inputs to the LM, which a linear
 * axis squeezes into its first pixels.
 */
const shareAxisConstant = 0.01;
const shareTicks = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

/** Where a share falls along the axis, 0 (left) to 1 (right). */
function axisPosition(share: number): number {
  return Math.log1p(share / shareAxisConstant) / Math.log1p(1 / shareAxisConstant);
}

/** Curve values under the chosen point's label: 30% of the share axis to its right (or left). */
function labelSpan(curve: readonly OperatingPoint[], lmShare: number, toTheLeft: boolean): number[] {
  const at = axisPosition(lmShare);
  return curve
    .filter((point) => {
      const position = axisPosition(point.lmShare);
      return toTheLeft ? position < at && position >= at - 0.3 : position > at && position <= at + 0.3;
    })
    .map((point) => point.accuracy);
}

type Layer = NonNullable<Extract<TopLevelSpec, { layer: unknown }>["layer"]>[number];

/** One horizontal reference line: a series' accuracy and the label drawn at its end. */
interface AccuracyRule {
  series: string;
  accuracy: number;
  label: string;
}

/** The y-axis range: every accuracy drawn, with 2 points of margin, inside [0, 1]. */
interface AccuracyDomain {
  low: number;
  high: number;
}

/** The adapted system's curve as chart rows. */
function curveValuesOf(curve: readonly OperatingPoint[]) {
  return curve.map((point) => ({
    lmShare: point.lmShare,
    accuracy: point.accuracy,
    series: "adapted (router)",
  }));
}

/** The reference lines: LM alone, SSM alone and, when given, the oracle. */
function accuracyRules(input: OperatingCurveChartInput): AccuracyRule[] {
  return [
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
}

/** The y-axis range that holds the curve and the reference lines. */
function accuracyDomainOf(
  curveAccuracies: readonly number[],
  rules: readonly AccuracyRule[],
): AccuracyDomain {
  const accuracies = [...curveAccuracies, ...rules.map((rule) => rule.accuracy)];
  return {
    low: Math.max(0, Math.min(...accuracies) - 0.02),
    high: Math.min(1, Math.max(...accuracies) + 0.02),
  };
}

/** The colour encoding shared by every series layer, with the legend below the plot. */
function seriesColorEncoding() {
  return {
    field: "series",
    type: "nominal",
    title: null,
    scale: { domain: Object.keys(seriesColors), range: Object.values(seriesColors) },
    legend: { orient: "bottom", direction: "horizontal", symbolType: "stroke", symbolStrokeWidth: 2.5 },
  } as const;
}

type ColorEncoding = ReturnType<typeof seriesColorEncoding>;

/** The adapted system's curve as a step line, which also carries both axes. */
function curveLayer(
  curveValues: ReturnType<typeof curveValuesOf>,
  domain: AccuracyDomain,
  color: ColorEncoding,
  metricLabel: string,
): Layer {
  return {
    data: { values: curveValues },
    mark: { type: "line", strokeWidth: 2, interpolate: "step-after" },
    encoding: {
      x: {
        field: "lmShare",
        type: "quantitative",
        title: "LM-call share (log scale)",
        scale: { type: "symlog", constant: shareAxisConstant, domain: [0, 1] },
        axis: { format: ".0%", values: shareTicks },
      },
      y: {
        field: "accuracy",
        type: "quantitative",
        title: metricLabel,
        scale: { domain: [domain.low, domain.high], zero: false, nice: false },
        axis: { format: ".0%" },
      },
      color,
    },
  };
}

/** The reference lines, dashed. */
function rulesLayer(rules: readonly AccuracyRule[], color: ColorEncoding): Layer {
  return {
    data: { values: rules },
    mark: { type: "rule", strokeWidth: 1.5, strokeDash: [6, 4] },
    encoding: { y: { field: "accuracy", type: "quantitative" }, color },
  };
}

/** The reference lines' labels: the curve meets the SSM rule at share 0 and the LM rule at share 1, so each is labelled at the other end. */
function ruleLabelLayers(rules: readonly AccuracyRule[], color: ColorEncoding): Layer[] {
  return [
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
  }));
}

/** The chosen operating point: a diamond, and its label placed away from the curve and inside the plot. */
function chosenPointLayers(
  curve: readonly OperatingPoint[],
  chosenPoint: Pick<OperatingPoint, "lmShare" | "accuracy">,
  domain: AccuracyDomain,
): Layer[] {
  const chosen = [
    {
      lmShare: chosenPoint.lmShare,
      accuracy: chosenPoint.accuracy,
      label: `chosen: ${percent(chosenPoint.accuracy)} at ${percent(chosenPoint.lmShare)} LM calls`,
    },
  ];
  const right = axisPosition(chosenPoint.lmShare) > 0.7;
  const labelSide = labelSpan(curve, chosenPoint.lmShare, right);
  // Put the label on the side of the dot away from the curve it would run along.
  const labelBelow =
    labelSide.length === 0
      ? chosenPoint.accuracy > (domain.low + domain.high) / 2
      : mean(labelSide) >= chosenPoint.accuracy;
  return [
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
  ];
}

/**
 * The Vega-Lite spec of the operating curve: accuracy (or the metric named by `metricLabel`, y)
 * against LM-call share (x, symmetric-log), wide enough to fill the report's page.
 */
export function operatingCurveSpec(input: OperatingCurveChartInput): TopLevelSpec {
  const curveValues = curveValuesOf(input.curve);
  const rules = accuracyRules(input);
  const domain = accuracyDomainOf(
    curveValues.map((value) => value.accuracy),
    rules,
  );
  const color = seriesColorEncoding();
  const layers: Layer[] = [
    curveLayer(curveValues, domain, color, input.metricLabel ?? "accuracy"),
    rulesLayer(rules, color),
    ...ruleLabelLayers(rules, color),
  ];
  if (input.chosen !== undefined) layers.push(...chosenPointLayers(input.curve, input.chosen, domain));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: input.title ?? `${input.metricLabel ?? "accuracy"} against LM-call share`,
    width: input.width ?? 800,
    height: input.height ?? 360,
    background: "#ffffff",
    config: { font: "sans-serif", axis: { labelFontSize: 11, titleFontSize: 12, grid: true } },
    layer: layers,
  };
}

/** Renders the operating curve to a standalone SVG document, in Node (see `renderVegaLiteSvg`). */
export function renderOperatingCurveSvg(input: OperatingCurveChartInput): Promise<string> {
  return renderVegaLiteSvg(operatingCurveSpec(input));
}
