import type { FallbackReason, Route } from "../spec/adapter.js";
import type { CutOffReason, LmCallOutcome, ServeEndpoint } from "./metrics/metric-labels.js";
import { renderServeMetrics } from "./metrics/render-serve-metrics.js";
import {
  type AdapterSeries,
  adapterSeries,
  countRequest,
  createServeMetricValues,
  type ServeMetricValues,
} from "./metrics/serve-metric-values.js";

export type { CutOffReason, LmCallOutcome, ServeEndpoint } from "./metrics/metric-labels.js";

/** The server's counters and histograms, rendered in the Prometheus text format by `render()`. */
export interface ServeMetrics {
  recordRequest(endpoint: ServeEndpoint, status: number, seconds: number): void;
  /** One answer; `fallbackReason` is counted when the route is "fallback". */
  recordPrediction(route: Route, seconds: number, fallbackReason?: FallbackReason): void;
  recordLmCall(outcome: LmCallOutcome, seconds: number): void;
  recordDecisionLogError(): void;
  /** An input the router sent to the LM, answered by the SSM because the LM-share cap was spent. */
  recordShareCapDecline(): void;
  /** An input the router sent to the LM, answered by the SSM because its request had spent its LM calls. */
  recordRequestCapDecline(): void;
  /** An LM-routed input whose LM call was cut off or never made because its client left or the server shut down. */
  recordCutOff(reason: CutOffReason): void;
  /**
   * The same metrics, with the answers and the caps' declines recorded for the adapter served as
   * `name` (its series exist at zero from this call on). While the server serves one adapter its
   * series carry no `adapter` label (as before servers served several); with several, each of
   * them is labelled `adapter="<name>"`.
   */
  forAdapter(name: string): ServeMetrics;
  /** Adds a gauge read at render time (e.g. LM calls in flight), with `labels` (e.g. `adapter="x"`) when given. */
  addGauge(name: string, help: string, read: () => number, labels?: string | (() => string)): void;
  render(): string;
}

/** Metrics that start at zero: the values live in `metrics/serve-metric-values.ts`, the text format in `metrics/render-serve-metrics.ts`. */
export function createServeMetrics(): ServeMetrics {
  const values = createServeMetricValues();
  // Answers recorded without an adapter (from code that serves none by name) go to the series "".
  return metricsRecordingTo(values, () => adapterSeries(values, ""));
}

/** The metrics over `values`, with the answers recorded in the series `series()` returns. */
function metricsRecordingTo(values: ServeMetricValues, series: () => AdapterSeries): ServeMetrics {
  return {
    recordRequest(endpoint, status, seconds) {
      countRequest(values, endpoint, status, seconds);
    },
    recordPrediction(route, seconds, fallbackReason) {
      const answers = series();
      answers.predictionCounts[route] += 1;
      answers.predictionDurations[route].observe(seconds);
      if (route === "fallback" && fallbackReason !== undefined) {
        answers.fallbackCounts.set(fallbackReason, (answers.fallbackCounts.get(fallbackReason) ?? 0) + 1);
      }
    },
    recordLmCall(outcome, seconds) {
      values.lmCallCounts[outcome] += 1;
      values.lmCallDuration.observe(seconds);
    },
    recordDecisionLogError() {
      values.decisionLogErrors += 1;
    },
    recordShareCapDecline() {
      series().shareCapDeclines += 1;
    },
    recordRequestCapDecline() {
      series().requestCapDeclines += 1;
    },
    recordCutOff(reason) {
      values.cutOffs[reason] += 1;
    },
    forAdapter(name) {
      const own = adapterSeries(values, name);
      return metricsRecordingTo(values, () => own);
    },
    addGauge(name, help, read, labels) {
      values.gauges.push({ name, help, read, labels });
    },
    render() {
      return renderServeMetrics(values);
    },
  };
}
