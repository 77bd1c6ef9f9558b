import type { StreamRow } from "./stream-dataset.js";

/** What the stream's server did with one input: the answer the client got, its route, and the LLM calls made meanwhile (served or audits). */
export interface StreamStep {
  answer: string;
  route: string;
  lmCalls: number;
}

/** The figures of a stretch of the stream. */
export interface SegmentFigures {
  rows: number;
  /** The answers' accuracy against the gold labels. */
  accuracy: number;
  /** LLM calls per input (the inputs sent to it and the audits). */
  lmShare: number;
  /** Share of the answers equal to the LLM's recorded answer (an answer off the label set never agrees). */
  agreement: number;
  /** The LLM's own accuracy against the gold labels, on the same inputs. */
  lmAccuracy: number;
}

/** The figures of rows [from, to) of the stream. */
export function segmentFigures(
  rows: readonly StreamRow[],
  steps: readonly StreamStep[],
  from: number,
  to: number,
): SegmentFigures {
  let right = 0;
  let asked = 0;
  let agreed = 0;
  let lmRight = 0;
  for (let index = from; index < to; index += 1) {
    const row = rows[index]!;
    const step = steps[index]!;
    if (step.answer === row.gold) right += 1;
    asked += step.lmCalls;
    if (row.llm !== "" && step.answer === row.llm) agreed += 1;
    if (row.llm === row.gold) lmRight += 1;
  }
  const count = Math.max(0, to - from);
  const share = (value: number) => (count === 0 ? 0 : value / count);
  return {
    rows: count,
    accuracy: share(right),
    lmShare: share(asked),
    agreement: share(agreed),
    lmAccuracy: share(lmRight),
  };
}

/** The figures of each quarter of the stream, in order (the last one takes the remainder). */
export function quarterFigures(rows: readonly StreamRow[], steps: readonly StreamStep[]): SegmentFigures[] {
  const bounds = [0, 1, 2, 3, 4].map((quarter) => Math.floor((quarter * steps.length) / 4));
  return [0, 1, 2, 3].map((quarter) => segmentFigures(rows, steps, bounds[quarter]!, bounds[quarter + 1]!));
}

/** One point of the stream's chart: the figures of a window of consecutive inputs, placed at its last input. */
export interface StreamChartPoint {
  /** The number of inputs fed by the end of the window. */
  position: number;
  accuracy: number;
  lmShare: number;
  lmAccuracy: number;
}

/** The stream cut into `windows` windows of consecutive inputs (fewer for a short stream), each one point. */
export function streamChartPoints(
  rows: readonly StreamRow[],
  steps: readonly StreamStep[],
  windows = 20,
): StreamChartPoint[] {
  const count = Math.min(windows, steps.length);
  const points: StreamChartPoint[] = [];
  for (let window = 0; window < count; window += 1) {
    const from = Math.floor((window * steps.length) / count);
    const to = Math.floor(((window + 1) * steps.length) / count);
    const figures = segmentFigures(rows, steps, from, to);
    points.push({
      position: to,
      accuracy: figures.accuracy,
      lmShare: figures.lmShare,
      lmAccuracy: figures.lmAccuracy,
    });
  }
  return points;
}
