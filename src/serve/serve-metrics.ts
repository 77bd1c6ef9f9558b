import type { FallbackReason, Route } from "../spec/adapter.js";
import type { CutOffReason, LmCallOutcome, ServeEndpoint } from "./metrics/metric-labels.js";
import { renderServeMetrics } from "./metrics/render-serve-metrics.js";
import { countRequest, createServeMetricValues } from "./metrics/serve-metric-values.js";

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
  /** Adds a gauge read at render time (e.g. LM calls in flight). */
  addGauge(name: string, help: string, read: () => number): void;
  render(): string;
}

/** Metrics that start at zero: the values live in `metrics/serve-metric-values.ts`, the text format in `metrics/render-serve-metrics.ts`. */
export function createServeMetrics(): ServeMetrics {
  const values = createServeMetricValues();
  return {
    recordRequest(endpoint, status, seconds) {
      countRequest(values, endpoint, status, seconds);
    },
    recordPrediction(route, seconds, fallbackReason) {
      values.predictionCounts[route] += 1;
      values.predictionDurations[route].observe(seconds);
      if (route === "fallback" && fallbackReason !== undefined) {
        values.fallbackCounts.set(fallbackReason, (values.fallbackCounts.get(fallbackReason) ?? 0) + 1);
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
      values.shareCapDeclines += 1;
    },
    recordRequestCapDecline() {
      values.requestCapDeclines += 1;
    },
    recordCutOff(reason) {
      values.cutOffs[reason] += 1;
    },
    addGauge(name, help, read) {
      values.gauges.push({ name, help, read });
    },
    render() {
      return renderServeMetrics(values);
    },
  };
}
